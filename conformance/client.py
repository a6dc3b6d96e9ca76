"""The HTTP client: one documented request per call, paced, retried on throttling, recorded and redacted.

Whatever the target answers is recorded as it came and judged by the checks (a body that is not a JSON object, or
has duplicate names, is a schema problem of that answer); what is not an answer at all (no connection, a connection
broken mid-answer, no complete answer within `timeout_s` from connect to last byte) is `TargetUnreachable`, one line.
At most `MAX_BODY_BYTES` of a body are read.
"""

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
from conformance.deadline import Deadline, Sockets
from conformance.redaction import redact_form, redact_json

THROTTLE_ERRORS = frozenset({"temporarily_unavailable", "slow_down"})
#: A documented answer is a few kilobytes; reading stops past this many bytes (decoded).
MAX_BODY_BYTES = 1 << 20
SNIPPET = 80


class TargetUnreachable(RuntimeError):
    """The target gave no complete HTTP answer (none at all, a broken one, or none in time): a problem of the run,
    never a verdict about the target; the message is one line naming the URL."""


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
    #: Why the body is not one well-formed JSON object (not JSON, empty, too large, repeated names); '' when it is.
    problem: str = ""

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
        self._timeout_s = timeout_s
        self._sockets = Sockets()
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
            raw, content, complete = self._exchange(request)
        except TargetUnreachable as exc:
            exchange.note = str(exc).removeprefix(f"{url}: ")
            self._observe(request, None)
            self._record(exchange)
            raise
        exchange.elapsed_ms = round((time.perf_counter() - start) * 1000, 2)
        self._observe(request, raw)
        path = self._paths[operation]
        parsed, problems = parse_body(content, raw.headers.get("content-type", ""), complete=complete)
        unreadable = list(problems)
        if raw.is_redirect:
            problems.insert(0, f"HTTP {raw.status_code} redirect to {raw.headers.get('location', '(no Location)')}")
        exchange.status = raw.status_code
        exchange.response_headers = dict(raw.headers)
        exchange.response_body = redact_json(parsed)
        if isinstance(parsed, dict):
            problems = [*problems, *schemas.validate_response(path, raw.status_code, parsed)]
        exchange.schema_errors = problems
        self._record(exchange)
        return ApiResponse(operation, path, raw.status_code, raw.headers, parsed, exchange, "; ".join(unreadable))

    def _exchange(self, request: httpx.Request) -> tuple[httpx.Response, bytes, bool]:
        """Send and read at most MAX_BODY_BYTES within the deadline: the response (read), its body, whether whole."""
        with Deadline(self._timeout_s, self._sockets) as deadline:
            request.extensions["trace"] = self._sockets.tracer(deadline)
            try:
                raw = self._http.send(request, stream=True)
                try:
                    content, complete = _read_capped(raw)
                finally:
                    raw.close()
            except httpx.TransportError as exc:
                if deadline.expired:
                    raise self._late(request) from None
                lines = str(exc).strip().splitlines() or [""]
                raise TargetUnreachable(f"{request.url}: {type(exc).__name__}: {lines[0]}".rstrip(": ")) from exc
            if deadline.expired:
                raise self._late(request)
        answered = httpx.Response(raw.status_code, headers=raw.headers, content=content, request=request)
        return answered, content, complete

    def _late(self, request: httpx.Request) -> TargetUnreachable:
        return TargetUnreachable(f"{request.url}: no complete answer within {self._timeout_s:g} s")

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


def _read_capped(response: httpx.Response) -> tuple[bytes, bool]:
    """The decoded body, up to MAX_BODY_BYTES; False when there was more."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"".join(chunks)[:MAX_BODY_BYTES], False
    return b"".join(chunks), True


def parse_body(content: bytes, content_type: str, *, complete: bool = True) -> tuple[Any, list[str]]:
    """The body as JSON when it parses (else its text), and what keeps it from being one well-formed JSON object."""
    kind = content_type.split(";", 1)[0].strip() or "no content-type"
    if not complete:
        return f"<more than {MAX_BODY_BYTES} bytes; not read further>", [
            f"response body larger than {MAX_BODY_BYTES} bytes ({kind}); not read further"
        ]
    if not content:
        return "", ["response body is empty"]
    duplicates: list[str] = []

    def collect(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                duplicates.append(key)
            found[key] = value
        return found

    try:
        parsed = json.loads(content, object_pairs_hook=collect)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        text = content.decode("utf-8", "replace")
        return text, [f"response body is not JSON ({kind}, {len(content)} bytes: {text[:SNIPPET]!r}): {exc}"]
    problems = [f"response body repeats the name {name!r} (RFC 8259 §4: names SHOULD be unique)" for name in duplicates]
    if not isinstance(parsed, dict):
        problems.append(f"response body is JSON but not an object: {type(parsed).__name__}")
    return parsed, problems
