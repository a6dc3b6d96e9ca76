"""A tiny raw HTTP/1.1 server on a real socket whose native-API answers are broken on purpose (the fault matrix).

Each POST gets the fault its path names (`/<fault>/contoso.onmicrosoft.com/...`), or, under `/rotate/`, the next one in
`ROTATION` (the run-level test), recorded by `client-request-id`. Under `/keep-alive-then-drip/` a connection's first
answer is a good one that keeps the connection open, the next one on it drips (a stall on a reused connection). What
a tenant must answer before a run starts is answered properly: the OpenID configuration (GET) and the readiness probe
of `conformance run` (a sign-in start for an address containing `run-check`, answered `user_not_found`).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from conformance.contract import openapi

HTML = b"<!DOCTYPE html><html><body><h1>Sign in to your account</h1></body></html>"
HUGE = 10 * 1024 * 1024
DRIP = b'{"continuation_token": "dripping-slowly-one-byte-per-second"}'
USER_NOT_FOUND = {
    "error": "user_not_found", "error_description": "AADSTS50034: The user account does not exist.",
    "error_codes": [50034], "timestamp": "2026-01-01 00:00:00Z", "trace_id": "00000000-0000-0000-0000-000000000001",
    "correlation_id": "00000000-0000-0000-0000-000000000002",
}


def _head(status: str, headers: dict[str, str], *, close: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    return "\r\n".join([*lines, *(["Connection: close"] if close else []), "", ""]).encode()


def _answer(status: str, body: bytes = b"", content_type: str = "application/json", **extra: str) -> bytes:
    return _head(status, {"Content-Type": content_type, "Content-Length": str(len(body)), **extra}) + body


def _huge(conn: socket.socket) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "application/json", "Content-Length": str(HUGE + 26)}))
    conn.sendall(b'{"continuation_token": "')
    chunk = b"A" * 65536
    for _ in range(HUGE // len(chunk)):
        conn.sendall(chunk)
    conn.sendall(b'"}')


def _drip(data: bytes) -> Callable[[socket.socket], None]:
    def send(conn: socket.socket) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(1.0)

    return send


def _reset(conn: socket.socket) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "application/json", "Content-Length": "1000"}))
    conn.sendall(b'{"continuation_token": "cut-off-in-the-mid')
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST


#: Each fault: what the server does with the connection after reading a POST.
FAULTS: dict[str, Callable[[socket.socket], None]] = {
    "html": lambda conn: conn.sendall(_answer("200 OK", HTML, "text/html; charset=utf-8")),
    "empty": lambda conn: conn.sendall(_answer("200 OK")),
    "no-content": lambda conn: conn.sendall(_head("204 No Content", {})),
    "redirect": lambda conn: conn.sendall(
        _answer("302 Found", b"", "text/html", Location="https://login.elsewhere.example/common/login")
    ),
    "huge": _huge,
    "drip-body": lambda conn: (
        conn.sendall(_head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(DRIP))})),
        _drip(DRIP)(conn),
    ),
    "drip-headers": _drip(_answer("200 OK", DRIP)),
    "reset": _reset,
    "invalid-json": lambda conn: conn.sendall(_answer("200 OK", b'{"continuation_token": "abc",')),
    "duplicate-keys": lambda conn: conn.sendall(
        _answer("200 OK", b'{"continuation_token": "first", "continuation_token": "second"}')
    ),
}
ROTATION = tuple(FAULTS)


class FaultyTarget:
    """The server; `base_url(fault)` is a profile's base URL for one fault (or `rotate`)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.given: dict[str, str] = {}  # client-request-id → fault, for the rotation
        self._next = 0
        self._lock = threading.Lock()

    def base_url(self, fault: str) -> str:
        return f"http://127.0.0.1:{self.port}/{fault}/contoso.onmicrosoft.com"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _handle(self, conn: socket.socket) -> None:
        with conn, suppress(OSError):
            conn.settimeout(30)
            method, path, headers, body = _read_request(conn)
            fault = path.split("/")[1] if path.count("/") > 1 else ""
            if method == "GET" and path.endswith(openapi.metadata_path("discovery")):
                issuer = f"http://127.0.0.1:{self.port}/{fault}/contoso.onmicrosoft.com/v2.0"
                conn.sendall(_answer("200 OK", json.dumps({"issuer": issuer, "jwks_uri": issuer + "/keys"}).encode()))
            elif method == "POST" and b"run-check" in body:
                conn.sendall(_answer("400 Bad Request", json.dumps(USER_NOT_FOUND).encode()))
            elif method == "POST" and fault == "keep-alive-then-drip":
                body = b'{"continuation_token": "kept-alive"}'
                conn.sendall(_head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(body))},
                                   close=False) + body)
                _read_request(conn)
                FAULTS["drip-headers"](conn)
            elif method == "POST":
                FAULTS[self._fault(fault, headers.get("client-request-id", ""))](conn)
            else:
                conn.sendall(_answer("404 Not Found"))

    def _fault(self, named: str, crid: str) -> str:
        if named != "rotate":
            return named
        with self._lock:
            fault = ROTATION[self._next % len(ROTATION)]
            self._next += 1
            self.given[crid] = fault
        return fault


def _read_request(conn: socket.socket) -> tuple[str, str, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("client went away")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    while len(body) < int(headers.get("content-length", "0")):
        body += conn.recv(65536)
    return method, path, headers, body


@contextmanager
def faulty_target() -> Iterator[FaultyTarget]:
    """A FaultyTarget serving from a thread for the duration of the block."""
    server = FaultyTarget()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
