"""A synchronous httpx transport that serves requests from an ASGI app in-process (no sockets)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

import anyio.from_thread
import httpx


class InProcessTransport(httpx.BaseTransport):
    """Run each request through `httpx.ASGITransport` on an event loop of the calling thread's own.

    Sync tests and step objects get the speed of an in-process mock without an async test runner, and a request
    costs no hand-over to another thread (the fuzzer sends thousands). Called from a thread whose own event loop is
    running, a request goes through a private event loop thread instead.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()
        self._stack = contextlib.ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward one request to the app and return the fully read response."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._thread_loop().run_until_complete(self._send(request))
        return self._started_portal().call(self._send, request)

    def _thread_loop(self) -> asyncio.AbstractEventLoop:
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
            with self._lock:
                self._loops.append(loop)
        return loop

    def _started_portal(self) -> anyio.from_thread.BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
            return self._portal

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

    def close(self) -> None:
        """Left open when one of the clients sharing this transport closes; `shutdown` ends it."""

    def shutdown(self) -> None:
        """Close the event loops and stop the event loop thread, if one was started."""
        with self._lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            if not loop.is_running():
                loop.close()
        self._stack.close()
