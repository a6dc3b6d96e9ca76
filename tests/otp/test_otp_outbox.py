"""The outbox OTP source (mock control API) against a fake transport, and its command-line twin over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from conformance.otp import CommandSource, OtpError, OtpTimeout, OutboxSource
from conformance.otp.mock_outbox_cli import main as outbox_cli
from conformance.profile import CommandOtp, OutboxOtp

CONTROL = "http://mock.test"
ADDRESS = "qa+1@example.com"


class FakeOutbox:
    """The mock's `GET /_mock/outbox?to=` answered from a list, through httpx.MockTransport."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.status = 200

    def send(self, to: str, code: str) -> None:
        """Record one message, as the mock does when it sends an OTP."""
        self.messages.append({"to": to, "channel": "email", "code": code, "purpose": "signup",
                              "sent_at": "2026-01-01T00:00:00Z", "client_request_id": None})

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Serve the control API's outbox route."""
        if request.url.path != "/_mock/outbox":
            return httpx.Response(404, json={"error": "not found"})
        to = request.url.params.get("to", "").lower()
        return httpx.Response(self.status, json={"messages": [m for m in self.messages if m["to"].lower() == to]})


@pytest.fixture
def outbox() -> FakeOutbox:
    return FakeOutbox()


@pytest.fixture
def source(outbox: FakeOutbox) -> Iterator[OutboxSource]:
    with httpx.Client(transport=httpx.MockTransport(outbox.handle)) as client:
        yield OutboxSource(OutboxOtp(control_url=CONTROL, timeout_s=2, poll_interval_s=0.01), http_client=client)


def test_returns_newest_code_sent_after_mark(source: OutboxSource, outbox: FakeOutbox) -> None:
    """Messages before the mark and to other recipients are ignored; the newest after it wins."""
    outbox.send(ADDRESS, "11111111")
    mark = source.mark(ADDRESS)
    outbox.send("qa+2@example.com", "22222222")
    outbox.send(ADDRESS, "33333333")
    outbox.send(ADDRESS, "44444444")
    assert source.fetch(ADDRESS, after=mark, code_length=8) == "44444444"


def test_outbox_reset_after_mark_still_finds_the_new_code(source: OutboxSource, outbox: FakeOutbox) -> None:
    """When the marked message is gone (the mock was reset), every message counts as new."""
    outbox.send(ADDRESS, "11111111")
    mark = source.mark(ADDRESS)
    outbox.messages.clear()
    outbox.send(ADDRESS, "55555555")
    assert source.fetch(ADDRESS, after=mark, code_length=8) == "55555555"


def test_timeout_names_address_and_outbox(source: OutboxSource, outbox: FakeOutbox) -> None:
    """Only the old message: one line naming the address and the control URL."""
    outbox.send(ADDRESS, "11111111")
    mark = source.mark(ADDRESS)
    with pytest.raises(OtpTimeout) as raised:
        source.fetch(ADDRESS, after=mark, code_length=8, timeout=0.1)
    assert str(raised.value) == f"no OTP for {ADDRESS} from outbox {CONTROL} within 0.1 s"


def test_control_api_error_is_one_line(source: OutboxSource, outbox: FakeOutbox) -> None:
    """An outbox that answers 500 is an OtpError naming the source and address."""
    outbox.status = 500
    with pytest.raises(OtpError) as raised:
        source.mark(ADDRESS)
    message = str(raised.value)
    assert message.startswith(f"outbox {CONTROL}: cannot read the outbox for {ADDRESS}: HTTPStatusError: ")
    assert "\n" not in message


@pytest.fixture
def served_outbox(outbox: FakeOutbox) -> Iterator[str]:
    """The fake outbox over real loopback HTTP (what `mock_outbox_cli` talks to); yields its origin."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            reply = outbox.handle(httpx.Request("GET", f"{CONTROL}{self.path}"))
            body = json.dumps(reply.json()).encode()
            self.send_response(reply.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_cli_prints_newest_code_or_nothing(
    served_outbox: str, outbox: FakeOutbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mock_outbox_cli` prints the newest code for the address, nothing when there is none, and exits 0."""
    assert outbox_cli(["--control-url", served_outbox, ADDRESS]) == 0
    assert capsys.readouterr().out == ""
    outbox.send(ADDRESS, "12345678")
    outbox.send(ADDRESS, "87654321")
    assert outbox_cli(["--control-url", served_outbox, ADDRESS]) == 0
    assert capsys.readouterr().out == "87654321\n"


def test_cli_reports_unreachable_outbox_on_stderr(served_outbox: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A control API that cannot be read: exit status 1 and one line on stderr."""
    assert outbox_cli(["--control-url", served_outbox + "/nowhere", ADDRESS]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"outbox {served_outbox}/nowhere: cannot read the outbox") and err.count("\n") == 1


def test_cli_as_command_source_like_the_mock_http_profile(served_outbox: str, outbox: FakeOutbox) -> None:
    """The mock-http example's `[otp]` command reads the code over HTTP end to end."""
    argv = ("{python}", "-m", "conformance.otp.mock_outbox_cli", "--control-url", served_outbox)
    source = CommandSource(CommandOtp(argv=argv, timeout_s=10, poll_interval_s=0.05))
    outbox.send(ADDRESS, "11111111")
    mark = source.mark(ADDRESS)
    outbox.send(ADDRESS, "22222222")
    assert source.fetch(ADDRESS, after=mark, code_length=8) == "22222222"
