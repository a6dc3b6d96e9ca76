"""A synchronous httpx transport that serves requests from an ASGI app in-process (no sockets)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import anyio.from_thread
import httpx


class InProcessTransport(httpx.BaseTransport):
    """Run each request through `httpx.ASGITransport` on a private event loop thread.

    Sync tests and step objects get the speed of an in-process mock without an async test runner.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._stack = contextlib.ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward one request to the app and return the fully read response."""
        return self._portal.call(self._send, request)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

    def close(self) -> None:
        """Left open when one of the clients sharing this transport closes; `shutdown` ends it."""

    def shutdown(self) -> None:
        """Stop the event loop thread."""
        self._stack.close()
