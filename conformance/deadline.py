"""A deadline for one whole HTTP exchange, connect to last byte, for httpx's synchronous client.

httpx's timeouts bound each network operation, not the exchange: a target that answers one byte a second never
trips a 30 s read timeout and holds a test for as long as it likes (encode/httpx#1450). `Deadline` learns the
sockets of the exchange through httpx's documented `trace` request extension and shuts them down when the time is
up, which makes the blocked read fail at once. It needs a fresh connection per exchange (a reused one announces no
socket): the client that uses it keeps no idle connections.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress
from types import TracebackType
from typing import Any

#: The trace events that hand over a connection's stream (TCP, then the TLS stream wrapping it).
STREAM_EVENTS = frozenset({"connection.connect_tcp.complete", "connection.start_tls.complete"})


class Deadline:
    """`with Deadline(s) as deadline:` send with `extensions={"trace": deadline.trace}`; `expired` says it fired."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ends = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        """Seconds left (0 once expired)."""
        return 0.0 if self.expired else max(self._ends - time.monotonic(), 0.0)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's `trace` callback: remember each socket the exchange opens (shut at once when already expired)."""
        if event not in STREAM_EVENTS:
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
