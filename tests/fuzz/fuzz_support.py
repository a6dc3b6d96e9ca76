"""Cases and responses built by hand, and a FuzzRun against a fake transport, for the fuzz package's tests."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import httpx
import requests
from schemathesis import Case, Response

from conformance.fuzz import loading
from conformance.fuzz.budget import FuzzBudget
from conformance.fuzz.run import FuzzRun
from conformance.profile import mock_profile
from conformance.target import Target

BASE = "http://mock.test/contoso.onmicrosoft.com"
CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"
GUID = "1a2b3c4d-0000-4000-8000-000000000000"
FORM = "application/x-www-form-urlencoded"


def case(operation_id: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Case:
    """A positive case of an operation with this form body."""
    return loading.operation(operation_id).Case(body=body, media_type=FORM, headers=headers)


def response(sent: Case, status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A schemathesis Response to `sent`, as the target would have answered it."""
    prepared = requests.Request("POST", f"{BASE}{sent.path}", data=sent.body, headers={"Content-Type": FORM}).prepare()
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    grouped = {"content-type": ["application/json"], **{k: [v] for k, v in (headers or {}).items()}}
    return Response(status_code=status, headers=grouped, content=content, request=prepared, elapsed=0.01,
                    message="", encoding="utf-8", http_version="1.1", verify=True)


def error_body(error: str, **extra: Any) -> dict[str, Any]:
    """A documented error envelope."""
    return {"error": error, "error_description": "AADSTS50034: text", "error_codes": [50034],
            "timestamp": "2026-01-01 10:00:00Z", "trace_id": GUID, "correlation_id": GUID, **extra}


def fake_run(handler: Callable[[httpx.Request], httpx.Response], budget: FuzzBudget, *, rps: float = 0.0) -> FuzzRun:
    """A FuzzRun whose target answers through `handler` (no mock tenant, no network)."""
    profile = mock_profile(BASE, "http://mock.test")
    profile = dataclasses.replace(profile, pacing=dataclasses.replace(profile.pacing, requests_per_second=rps))
    target = Target(label="mock", profile=profile, transport=httpx.MockTransport(handler), otp=None)  # type: ignore[arg-type]
    run = FuzzRun.open(target, budget)
    run.begin()
    return run
