"""A schemathesis case on the wire: the exact request bytes, sent through the target's httpx transport.

The body is encoded by `requests` exactly as `case.call()` would, so the reproducer (`case.as_curl_command()`) and what
the target received are the same bytes; the target is reached through `Target.transport` (in-process ASGI for the
embedded mock, real HTTP otherwise).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
import requests
from schemathesis import Case, Response

_DROPPED_HEADERS = frozenset({"content-length", "connection"})


def prepare(case: Case, base_url: str) -> requests.PreparedRequest:
    """The request `case.call(base_url=...)` would send."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    request = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        data=kwargs.get("data"),
        json=kwargs.get("json"),
        cookies=kwargs.get("cookies"),
    )
    return request.prepare()


def body_bytes(prepared: requests.PreparedRequest) -> bytes:
    """The encoded body (empty when there is none)."""
    body = prepared.body
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def send(http: httpx.Client, prepared: requests.PreparedRequest) -> Response:
    """Send the prepared request and return it as a schemathesis Response (what its checks take)."""
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in _DROPPED_HEADERS}
    started = time.perf_counter()
    answer = http.request(str(prepared.method), str(prepared.url), headers=headers, content=body_bytes(prepared))
    elapsed = time.perf_counter() - started
    grouped: dict[str, list[str]] = {}
    for name, value in answer.headers.multi_items():
        grouped.setdefault(name, []).append(value)
    return Response(
        status_code=answer.status_code,
        headers=grouped,
        content=answer.content,
        request=prepared,
        elapsed=elapsed,
        message=answer.reason_phrase,
        encoding=answer.encoding,
        http_version=answer.http_version.removeprefix("HTTP/"),
        verify=True,
    )


def form(prepared: requests.PreparedRequest) -> dict[str, str] | None:
    """The form fields as the target reads them (UTF-8, blank values kept); None when a field repeats or it is not
    a decodable form (then the body cannot be valid)."""
    try:
        pairs = parse_qsl(body_bytes(prepared).decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            return None
        fields[name] = value
    return fields


def json_body(response: Response) -> Any:
    """The response body as JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
