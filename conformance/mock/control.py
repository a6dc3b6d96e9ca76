"""The `/_mock/` control API: outbox, reset, clock, fault queue keyed by `client-request-id`, deviations, users, state.

Faults follow the shape of Microsoft's own native-auth mock (MSAL tests' `POST /config/response`): a queue of canned
responses per (client-request-id, endpoint), consumed in order by matching requests only, so parallel tests never see
each other's faults.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.mock.config import TenantConfigError, user_from_mapping
from conformance.mock.deviations import descriptions, unknown
from conformance.mock.endpoints import ENDPOINTS, Mock
from conformance.mock.state import ClockError, FaultQueueFull, User
from conformance.mock.state.clock import seconds_value

_FAULT_KEYS = {"row", "extra", "redirect", "redirect_reason", "status", "retry_after", "body", "headers", "delay_ms"}


class ControlError(ValueError):
    """A malformed control request (answered 400 with `{"error": "bad_request", "detail": ...}`)."""


def _bad(detail: str) -> JSONResponse:
    return JSONResponse({"error": "bad_request", "detail": detail}, 400)


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}", parse_constant=_not_a_number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def _endpoint(mock: Mock, value: Any) -> str:
    if not isinstance(value, str):
        raise ControlError("endpoint must be a string")
    prefix = f"/{mock.tenant.subdomain}.onmicrosoft.com"
    path = value[len(prefix) :] if value.startswith(prefix) else value
    if path not in ENDPOINTS:
        raise ControlError(f"endpoint {value!r} is not a native-auth endpoint")
    return path


def _fault(mock: Mock, index: int, item: Any) -> dict[str, Any]:
    where = f"responses[{index}]"
    if not isinstance(item, dict):
        raise ControlError(f"{where}: expected an object")
    if extra_keys := set(item) - _FAULT_KEYS:
        raise ControlError(f"{where}: unknown key {sorted(extra_keys)[0]!r}")
    if "delay_ms" in item and (not isinstance(item["delay_ms"], int | float) or not 0 <= item["delay_ms"] <= 30000):
        raise ControlError(f"{where}.delay_ms: expected 0..30000")
    if "headers" in item and not (
        isinstance(item["headers"], dict) and all(isinstance(v, str) for v in item["headers"].values())
    ):
        raise ControlError(f"{where}.headers: expected an object of strings")
    if "status" in item and not (
        isinstance(item["status"], int) and not isinstance(item["status"], bool) and 200 <= item["status"] <= 599
    ):
        raise ControlError(f"{where}.status: expected an HTTP status 200..599")
    if "row" in item:
        if item["row"] not in mock.table:
            raise ControlError(f"{where}.row: unknown error row {item['row']!r}")
        if not isinstance(item.get("extra", {}), dict):
            raise ControlError(f"{where}.extra: expected an object")
    elif item.get("redirect") is True:
        if not isinstance(item.get("redirect_reason", ""), str):
            raise ControlError(f"{where}.redirect_reason: expected a string")
    elif "status" in item:
        if "retry_after" in item and not (isinstance(item["retry_after"], int) and item["retry_after"] >= 0):
            raise ControlError(f"{where}.retry_after: expected a non-negative integer")
        if "body" in item and not isinstance(item["body"], dict | list):
            raise ControlError(f"{where}.body: expected JSON object or array")
    else:
        raise ControlError(f"{where}: needs 'row', 'redirect': true, or an HTTP 'status'")
    return item


def _clock(mock: Mock) -> dict[str, Any]:
    now = mock.state.clock.now()
    clock = mock.state.clock
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    return {"now": now, "iso": iso, "offset": clock.offset, "scoped": dict(clock.scoped)}


def _deviations(mock: Mock) -> dict[str, Any]:
    return {"enabled": sorted(mock.state.deviations), "available": descriptions()}


def _user(user: User) -> dict[str, Any]:
    methods = [{"id": m.id, "channel": m.channel, "target": m.target} for m in user.methods]
    return {"email": user.email, "oid": user.oid, "methods": methods}


def control_routes(mock: Mock) -> list[Route]:
    """Routes mounted under `/_mock`."""

    def route(path: str, methods: list[str]):
        def wrap(handler: Callable[[Request], Awaitable[Response]]) -> Route:
            async def guarded(request: Request) -> Response:
                try:
                    return await handler(request)
                except ControlError as exc:
                    return _bad(str(exc))

            return Route(path, guarded, methods=methods)

        return wrap

    @route("/outbox", ["GET"])
    async def outbox(request: Request) -> Response:
        messages = mock.state.messages(request.query_params.get("to"))
        return JSONResponse({"messages": [m.as_dict() for m in messages]})

    @route("/reset", ["POST"])
    async def reset(request: Request) -> Response:
        mock.state.reset()
        return JSONResponse({"reset": True})

    @route("/clock", ["GET", "POST"])
    async def clock(request: Request) -> Response:
        if request.method == "POST":
            data = await _json(request)
            if len(data.keys() & {"advance_seconds", "offset_seconds"}) != 1:
                raise ControlError("send exactly one of advance_seconds, offset_seconds")
            key = "advance_seconds" if "advance_seconds" in data else "offset_seconds"
            crid = data.get("client_request_id")
            if crid is not None and (not isinstance(crid, str) or not crid.strip()):
                raise ControlError("client_request_id must be a non-empty string")
            clock = mock.state.clock
            try:
                seconds = seconds_value(key, data[key])
                with mock.state.lock:
                    if crid is not None:  # only requests sending this client-request-id see the moved clock
                        clock.scope(crid.strip(), seconds, relative=key == "advance_seconds")
                    elif key == "advance_seconds":
                        clock.advance(seconds)
                    else:  # absolute offset from wall-clock time; 0 rewinds, so issued JWTs verify again
                        clock.set_offset(seconds)
            except ClockError as exc:
                raise ControlError(str(exc)) from None
        return JSONResponse(_clock(mock))

    @route("/faults", ["GET", "POST", "DELETE"])
    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            with mock.state.lock:
                mock.state.faults.clear()
            return JSONResponse({"queued": 0})
        if request.method == "GET":
            with mock.state.lock:
                listing = mock.state.faults.listing()
            return JSONResponse({"faults": listing})
        data = await _json(request)
        crid = data.get("client_request_id")
        if not isinstance(crid, str) or not crid.strip():
            raise ControlError("client_request_id must be a non-empty string")
        endpoint = _endpoint(mock, data.get("endpoint"))
        responses = data.get("responses")
        if not isinstance(responses, list) or not responses:
            raise ControlError("responses must be a non-empty list")
        checked = [_fault(mock, index, item) for index, item in enumerate(responses)]
        try:
            queued = mock.state.queue_faults(crid.strip(), endpoint, checked)
        except FaultQueueFull as exc:
            raise ControlError(str(exc)) from None
        return JSONResponse({"queued": queued}, 201)

    @route("/deviations", ["GET", "POST"])
    async def deviations(request: Request) -> Response:
        if request.method == "POST":
            data = await _json(request)
            enable, disable = data.get("enable", []), data.get("disable", [])
            for key, names in (("enable", enable), ("disable", disable)):
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise ControlError(f"{key} must be a list of deviation names")
                if bad := unknown(names):
                    raise ControlError(f"{key}: unknown deviation {bad[0]!r}")
            with mock.state.lock:
                mock.state.deviations.update(enable)
                mock.state.deviations.difference_update(disable)
        return JSONResponse(_deviations(mock))

    @route("/users", ["POST"])
    async def users(request: Request) -> Response:
        try:
            seed = user_from_mapping(await _json(request), "user")
        except TenantConfigError as exc:
            raise ControlError(str(exc)) from None
        user = User.from_seed(seed)
        mock.state.add_user(user)
        return JSONResponse(_user(user), 201)

    @route("/state", ["GET"])
    async def state(request: Request) -> Response:
        return JSONResponse({"sizes": mock.state.sizes(), "retention": dataclasses.asdict(mock.tenant.retention)})

    @route("/internal_errors", ["GET"])
    async def internal_errors(request: Request) -> Response:
        with mock.state.lock:
            return JSONResponse({"internal_errors": list(mock.state.internal_errors)})

    return [outbox, reset, clock, faults, deviations, users, state, internal_errors]
