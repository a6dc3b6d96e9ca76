"""How a request becomes a response: correlation ids, fault queue, form parsing, error envelopes, the catch-all."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.contract import secrets as secret_fields
from conformance.contract.vocabulary import pattern
from conformance.mock.endpoints import Call, Endpoint, Mock
from conformance.mock.envelope import (
    INTERNAL,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    ApiError,
    Crash,
    Outcome,
    Redirect,
    error_response,
    outcome_body,
    redirect_body,
)
from conformance.mock.forms import FormProblem, parse_form, read_body
from conformance.mock.state import REQUEST_ID

log = logging.getLogger("conformance.mock")

_CORRELATION_HEADERS = (b"client-request-id", b"x-ms-request-id")  # stamped on every response (Seed002)


def correlation_id(sent: str | None) -> str:
    """Echo the client's `client-request-id` when it is a GUID (Seed002), else a fresh one."""
    if sent and pattern("guid").match(sent.strip()):
        return sent.strip()
    return str(uuid.uuid4())


class MockMiddleware:
    """Outermost layer: assigns the correlation id, stamps both correlation headers, and turns any uncaught
    exception into a logged, recorded HTTP 500 JSON body (a bug in the mock, never hidden)."""

    def __init__(self, app: ASGIApp, mock: Mock) -> None:
        self.app = app
        self.mock = mock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get("client-request-id")
        corr = correlation_id(sent)
        scope.setdefault("state", {}).update(correlation_id=corr, client_request_id=sent)
        started = False

        async def stamped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if not self.mock.state.deviating("missing_correlation_header"):
                    value = corr.encode("latin-1")
                    kept = [(k, v) for k, v in message.get("headers", ()) if k not in _CORRELATION_HEADERS]
                    message = {**message, "headers": [*kept, *((name, value) for name in _CORRELATION_HEADERS)]}
                if self.mock.state.deviating("text_plain_content_type"):
                    MutableHeaders(scope=message)["content-type"] = "text/plain; charset=utf-8"
            await send(message)

        try:
            await self.app(scope, receive, stamped)
        except Exception as exc:
            log.exception("mock bug while serving %s %s", scope.get("method"), scope.get("path"))
            self.mock.state.record_internal_error(f"{scope.get('method')} {scope.get('path')}: {exc!r}")
            if not started:
                await _outcome(self.mock, INTERNAL, corr)(scope, receive, stamped)


def _outcome(mock: Mock, outcome: Outcome, corr: str, headers: dict[str, str] | None = None) -> Response:
    body = outcome_body(outcome, correlation_id=corr, now=mock.state.clock.now(), deviations=mock.state.deviations)
    return JSONResponse(body, outcome.status, headers=headers)


def http_exception_handler(mock: Mock) -> Callable[[Request, Exception], Awaitable[Response]]:
    """Documented-style JSON for unknown paths (404) and wrong methods (405)."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        corr = request.scope["state"]["correlation_id"]
        if exc.status_code == 405:
            return _outcome(mock, METHOD_NOT_ALLOWED, corr, dict(exc.headers or {}))
        if exc.status_code == 404:
            return _outcome(mock, NOT_FOUND, corr)
        return _outcome(mock, Outcome(exc.status_code, "invalid_request", 9000000 + exc.status_code, exc.detail), corr)

    return handle


def _error(mock: Mock, exc: ApiError, corr: str, headers: dict[str, str] | None = None) -> Response:
    status, body = error_response(
        mock.table, exc, correlation_id=corr, now=mock.state.clock.now(), deviations=mock.state.deviations
    )
    return JSONResponse(body, status, headers=headers)


async def fault_response(mock: Mock, fault: dict[str, Any], corr: str) -> Response:
    """A canned response from the fault queue (shape validated by the control API)."""
    if fault.get("delay_ms"):
        await asyncio.sleep(fault["delay_ms"] / 1000)
    headers = dict(fault.get("headers", {}))
    if "row" in fault:
        return _error(mock, ApiError(fault["row"], status=fault.get("status"), **fault.get("extra", {})), corr, headers)
    if fault.get("redirect"):
        return JSONResponse(redirect_body(fault.get("redirect_reason")), 200, headers=headers)
    status = int(fault["status"])
    if "retry_after" in fault:
        headers["Retry-After"] = str(fault["retry_after"])
        return _error(mock, ApiError("G-token.temporarily_unavailable", status=status), corr, headers)
    if "body" in fault:
        return JSONResponse(fault["body"], status, headers=headers)
    return _outcome(mock, Outcome(status, "server_error", INTERNAL.code, "Injected fault."), corr, headers)


def _rename_token(family: str, body: dict[str, Any]) -> dict[str, Any]:
    if "continuation_token" not in body:
        return body
    # the pre-rename names (msal-objc#1922), from the schemas' `x-former-names`
    legacy = secret_fields.former_names("continuation_token").get(family)
    if legacy is None:
        return body
    return {legacy if key == "continuation_token" else key: value for key, value in body.items()}


def native_endpoint(mock: Mock, route: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint for one native-auth operation: faults first, then the form, then the handler under the
    lock."""
    path, table, handler = route.path, route.table, route.handler
    at_token = route.operation.operation_id == "token"  # E6: an ambiguous form is G-token's, a redirect has a reason

    async def endpoint(request: Request) -> Response:
        state = request.scope["state"]
        corr, client_request_id = state["correlation_id"], state["client_request_id"]
        REQUEST_ID.set(client_request_id)
        fault = mock.state.next_fault(client_request_id, path)
        if fault is not None:
            return await fault_response(mock, fault, corr)
        call: Call | None = None
        deviating = mock.state.deviating
        try:
            raw = await read_body(request)
            if not raw and deviating("server_error_on_empty_body"):
                raise Crash("deviation server_error_on_empty_body")
            accept_json = deviating("json_request_body_accepted")
            form = parse_form(request.headers.get("content-type"), raw, accept_json=accept_json)
            call = Call(mock, path, table, form, corr, client_request_id, mock.origin_of(request.scope))
            with mock.state.lock:
                try:
                    body = handler(call)
                except Redirect:
                    call.spend()
                    raise
        except FormProblem as problem:
            if problem.ambiguous and deviating("server_error_on_duplicate_parameters"):
                return _outcome(mock, INTERNAL, corr)
            ambiguous = problem.ambiguous and at_token
            row, met = mock.table.served("G-token" if ambiguous else table, "ambiguous_request" if ambiguous else
                                         "invalid_parameter")
            return _error(mock, ApiError(row.id, condition=met, detail=str(problem)), corr)
        except ApiError as exc:
            return _error(mock, exc, corr, exc.headers)
        except Redirect as redirect:
            if mock.state.deviating("no_redirect_fallback"):
                row, met = mock.table.served(call.table if call is not None else table, "invalid_parameter")
                return _error(mock, ApiError(row.id, condition=met, detail="The client must use a browser."), corr)
            return JSONResponse(redirect_body(redirect.reason if at_token else None))
        except Crash:
            return _outcome(mock, INTERNAL, corr)
        if mock.state.deviating("legacy_token_name"):
            body = _rename_token(route.operation.family, body)
        return JSONResponse(body)

    return endpoint
