"""The HTTP client: one documented request per call, paced, retried on throttling, recorded and redacted."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from conformance.contract import openapi, schemas
from conformance.redaction import redact_form, redact_json

THROTTLE_ERRORS = frozenset({"temporarily_unavailable", "slow_down"})


class TargetUnreachable(RuntimeError):
    """The target could not be reached at all: a problem of the run, never a verdict about the target."""


@dataclass(slots=True)
class Exchange:
    """One HTTP exchange as it went over the wire, with secrets redacted at record time."""

    operation: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_form: dict[str, Any]
    started_at: str
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    elapsed_ms: float = 0.0
    schema_errors: list[str] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for transcripts and reports."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """A parsed response of one documented operation."""

    operation: str
    path: str
    status: int
    headers: httpx.Headers
    body: Any
    exchange: Exchange

    @property
    def json(self) -> dict[str, Any]:
        """The body as a JSON object (empty when the body was not one)."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def client_request_id(self) -> str:
        """The correlation id this request was sent with."""
        return self.exchange.request_headers["client-request-id"]

    @property
    def continuation_token(self) -> str | None:
        return self.json.get("continuation_token")

    @property
    def error(self) -> str | None:
        return self.json.get("error")

    @property
    def suberror(self) -> str | None:
        return self.json.get("suberror")

    @property
    def is_redirect(self) -> bool:
        """The documented web-fallback answer: 200 with `challenge_type=redirect`."""
        return self.status == 200 and self.json.get("challenge_type") == "redirect"


Recorder = Callable[[Exchange], None]
#: Sees each request as sent and its response (None when the target could not be reached), secrets included:
#: for in-memory use only (the report plugin collects a test's secret values to redact free text with).
WireObserver = Callable[[httpx.Request, httpx.Response | None], None]


class Pacer:
    """Spaces requests so that no more than `requests_per_second` leave this process."""

    def __init__(self, requests_per_second: float | None) -> None:
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            time.sleep(delay)


class NativeAuthClient:
    """Sends documented operations to a target and records each exchange; `observers` see the raw traffic."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        recorder: Recorder | None = None,
        requests_per_second: float | None = None,
        max_retries: int = 3,
        max_retry_after_s: float = 30.0,
        timeout_s: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(transport=transport, timeout=timeout_s)
        self._recorder = recorder
        self.observers: list[WireObserver] = []
        self._pacer = Pacer(requests_per_second)
        self._max_retries = max_retries
        self._max_retry_after_s = max_retry_after_s
        self._paths = {op.operation_id: op.path for op in openapi.operations()}

    def set_recorder(self, recorder: Recorder | None) -> Recorder | None:
        """Route the next exchanges to another transcript (the plugin switches it per test); returns the previous."""
        previous, self._recorder = self._recorder, recorder
        return previous

    def url_for(self, operation: str) -> str:
        """The absolute URL of a documented operation, by operationId."""
        return self.base_url + self._paths[operation]

    def send(
        self,
        operation: str,
        form: Mapping[str, str | None],
        *,
        client_request_id: str | None = None,
        raw_body: bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> ApiResponse:
        """POST one documented request (parameters set to None are left out) and return the parsed response."""
        fields = {key: value for key, value in form.items() if value is not None}
        headers = {"client-request-id": client_request_id or str(uuid.uuid4())}
        body = raw_body if raw_body is not None else httpx.QueryParams(fields).__str__().encode()
        headers["content-type"] = content_type
        attempt = 0
        while True:
            response = self._send_once(operation, fields, headers, body, note=f"retry {attempt}" if attempt else "")
            retry_after = self._retry_after(response)
            if retry_after is None or attempt >= self._max_retries:
                return response
            attempt += 1
            time.sleep(retry_after)

    def _send_once(
        self, operation: str, fields: dict[str, str], headers: dict[str, str], body: bytes, *, note: str
    ) -> ApiResponse:
        url = self.url_for(operation)
        exchange = Exchange(
            operation=operation,
            method="POST",
            url=url,
            request_headers=dict(headers),
            request_form=redact_form(fields),
            started_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            note=note,
        )
        self._pacer.wait()
        start = time.perf_counter()
        request = self._http.build_request("POST", url, content=body, headers=headers)
        try:
            raw = self._http.send(request)
        except httpx.TransportError as exc:
            exchange.note = f"{type(exc).__name__}: {exc}"
            self._observe(request, None)
            self._record(exchange)
            raise TargetUnreachable(f"{url}: {type(exc).__name__}: {exc}") from exc
        exchange.elapsed_ms = round((time.perf_counter() - start) * 1000, 2)
        self._observe(request, raw)
        try:
            parsed: Any = raw.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = raw.text
        path = self._paths[operation]
        exchange.status = raw.status_code
        exchange.response_headers = dict(raw.headers)
        exchange.response_body = redact_json(parsed)
        if isinstance(parsed, dict):
            exchange.schema_errors = schemas.validate_response(path, raw.status_code, parsed)
        else:
            exchange.schema_errors = ["response body is not a JSON object"]
        self._record(exchange)
        return ApiResponse(operation, path, raw.status_code, raw.headers, parsed, exchange)

    def _retry_after(self, response: ApiResponse) -> float | None:
        """Seconds to wait before retrying a throttled response, or None when it was not throttled."""
        throttled = response.status == 429 or response.error in THROTTLE_ERRORS
        if not throttled:
            return None
        header = response.headers.get("retry-after", "")
        seconds = float(header) if header.replace(".", "", 1).isdigit() else 1.0
        return min(seconds, self._max_retry_after_s)

    def _observe(self, request: httpx.Request, response: httpx.Response | None) -> None:
        for observer in self.observers:
            observer(request, response)

    def _record(self, exchange: Exchange) -> None:
        if self._recorder is not None:
            self._recorder(exchange)

    def close(self) -> None:
        self._http.close()
