"""A deadline for one whole HTTP exchange, connect to last byte, for httpx's synchronous client.

httpx's timeouts bound each network operation, not the exchange: a target that answers one byte a second never
trips a 30 s read timeout and holds a test for as long as it likes (encode/httpx#1450). `Sockets` learns the sockets
of a client's connections through httpx's documented `trace` request extension; when an exchange's `Deadline` is
up, it shuts them down, which makes the blocked read fail at once. The client's idle kept-alive connections go too
(they are opened again when needed): a client sends one exchange at a time, and the one that is late is among them.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
import weakref
from contextlib import suppress
from types import TracebackType
from typing import Any

#: The trace events that hand over a connection's stream (TCP, then the TLS stream wrapping it).
STREAM_EVENTS = frozenset({"connection.connect_tcp.complete", "connection.start_tls.complete"})


class Sockets:
    """The sockets of one HTTP client's connections (forgotten when closed and collected)."""

    def __init__(self) -> None:
        self._known: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()

    def tracer(self, deadline: Deadline) -> Any:
        """httpx's `trace` callback for one exchange: remember each socket it opens (shut at once when already late)."""

        def trace(event: str, info: dict[str, Any]) -> None:
            stream = info.get("return_value") if event in STREAM_EVENTS else None
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._known.add(sock)
                if deadline.expired:
                    _shut(sock)

        return trace

    def shut_all(self) -> None:
        with self._lock:
            known = list(self._known)
        for sock in known:
            _shut(sock)


class Deadline:
    """`with Deadline(seconds, sockets) as deadline:` send with `extensions={"trace": sockets.tracer(deadline)}`;
    `expired` says the deadline fired (and shut the sockets down)."""

    def __init__(self, seconds: float, sockets: Sockets) -> None:
        self.seconds = seconds
        self.expired = False
        self.done = False
        self._sockets = sockets

    def __enter__(self) -> Deadline:
        _WATCHDOG.watch(self, time.monotonic() + self.seconds)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.done = True

    def expire(self) -> None:
        """The time is up: shut the sockets down (the watchdog calls it, unless the exchange is done)."""
        self.expired = True
        self._sockets.shut_all()


class _Watchdog:
    """One thread per process firing the deadlines that come due (a finished exchange's is dropped when due)."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []
        self._added = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline, when: float) -> None:
        with self._wake:
            heapq.heappush(self._due, (when, next(self._added), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="conformance-deadlines", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, deadline = heapq.heappop(self._due)
            if not deadline.done:
                deadline.expire()


_WATCHDOG = _Watchdog()


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
