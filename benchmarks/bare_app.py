"""The bare-stack baseline: one Starlette POST endpoint that reads the form as the mock does and answers a random token.

Served under plain uvicorn exactly like the mock (`server_load.py` starts both), so the ratio between the two is what
the mock's own work costs: routing and middleware, state, locking, logging.
"""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.contract import openapi
from conformance.mock.forms import parse_form, read_body


async def signup_start(request: Request) -> JSONResponse:
    """Parse the form with the mock's reader and answer a fresh opaque token of the mock's length."""
    form = parse_form(request.headers.get("content-type"), await read_body(request))
    if not form.get("client_id"):
        return JSONResponse({"error": "invalid_request"}, 400)
    return JSONResponse({"continuation_token": secrets.token_urlsafe(48)})


PATH = "/contoso.onmicrosoft.com" + openapi.path_of("signupStart")
app = Starlette(routes=[Route(PATH, signup_start, methods=["POST"])])
