"""The IMAP OTP source against a real IMAP server (pymap): what it returns, what it ignores, how it gives up."""

from __future__ import annotations

import imaplib
import importlib.util
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from conformance.otp import ImapSource, OtpError, OtpTimeout, otp_source_from_profile
from conformance.session import free_port
from conformance.target import load_profile

USER, PASSWORD = "demouser", "demopass"


@dataclass(frozen=True)
class ImapServer:
    """A running pymap server and a way to deliver mail into its INBOX."""

    host: str
    port: int

    def deliver(self, to: str, text: str, *, subject: str = "Your verification code", html: bool = False) -> None:
        """Put one message to `to` into the INBOX (IMAP APPEND), as a mail server delivering it would."""
        message = EmailMessage()
        message["From"] = "Microsoft on behalf of Contoso <msonlineservicesteam@microsoftonline.com>"
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text, subtype="html" if html else "plain")
        with imaplib.IMAP4(self.host, self.port, timeout=10) as imap:
            imap.login(USER, PASSWORD)
            status, data = imap.append("INBOX", None, imaplib.Time2Internaldate(time.time()), message.as_bytes())
            assert status == "OK", data


@pytest.fixture(scope="module")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    """pymap (`dict` backend, plain IMAP, user demouser/demopass) serving 127.0.0.1 for the whole session."""
    if importlib.util.find_spec("pymap") is None:
        pytest.fail("the IMAP tests need a real IMAP server: pip install 'pymap>=0.36,<0.37'")
    port = free_port()
    log = Path(tmp_path_factory.mktemp("pymap")) / "stderr.log"
    command = [sys.executable, "-c", "from pymap.main import main; main()",
               "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict"]
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"pymap did not start on 127.0.0.1:{port}: {log.read_text()[-500:]}")
                time.sleep(0.05)
        yield ImapServer("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def source(imap_server: ImapServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImapSource:
    """The source a profile with an `[otp] type = "imap"` table builds, pointed at the test server."""
    monkeypatch.setenv("TEST_IMAP_USER", USER)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", PASSWORD)
    profile = tmp_path / "profile.toml"
    profile.write_text(f"""
base_url = "https://contoso.ciamlogin.com/contoso.onmicrosoft.com"
client_id = "00001111-aaaa-2222-bbbb-3333cccc4444"
[tenant]
auth_method = "email_otp"
[signup]
address_template = "qa+{{id}}@example.com"
[otp]
type = "imap"
host = "{imap_server.host}"
port = {imap_server.port}
ssl = false
username_env = "TEST_IMAP_USER"
password_env = "TEST_IMAP_PASSWORD"
timeout_s = 3
poll_interval_s = 0.05
""")
    built = otp_source_from_profile(load_profile(profile))
    assert isinstance(built, ImapSource)
    return built


def new_address() -> str:
    """A recipient no other test uses."""
    return f"qa+{uuid.uuid4().hex[:10]}@example.com"


def test_returns_code_sent_after_mark_ignoring_older_and_other_recipients(
    source: ImapSource, imap_server: ImapServer
) -> None:
    """Only a message to the address that arrived after `mark` counts; a superstring address is another recipient."""
    address = new_address()
    imap_server.deliver(address, "Your code is 11111111")
    mark = source.mark(address)
    imap_server.deliver("x" + address, "Your code is 22222222")
    imap_server.deliver(address, "Your code is 33333333")
    assert source.fetch(address, after=mark, code_length=8) == "33333333"


def test_newest_message_wins(source: ImapSource, imap_server: ImapServer) -> None:
    """After a resend the newest code is the valid one (api-reference.md §7.5)."""
    address = new_address()
    mark = source.mark(address)
    imap_server.deliver(address, "Your code is 44444444")
    imap_server.deliver(address, "Your code is 55555555")
    assert source.fetch(address, after=mark, code_length=8) == "55555555"


def test_waits_for_a_message_that_arrives_while_polling(source: ImapSource, imap_server: ImapServer) -> None:
    """The source polls until the message is delivered."""
    address = new_address()
    mark = source.mark(address)
    later = threading.Timer(0.3, imap_server.deliver, (address, "Your code is 66666666"))
    later.start()
    try:
        assert source.fetch(address, after=mark, code_length=8) == "66666666"
    finally:
        later.join()


def test_reads_html_body_and_prefers_digits_near_the_word_code(source: ImapSource, imap_server: ImapServer) -> None:
    """An HTML-only message: the run of digits next to "code" is chosen, not the address's or a reference number."""
    address = "qa+90000001@example.com"
    mark = source.mark(address)
    imap_server.deliver(address, (
        "<html><head><style>p{color:#12345678}</style></head><body><p>Reference 24681357 for qa+90000001@example.com"
        "</p><p>Account verification</p><p>Your code is: <b>87654321</b></p><p>Thanks, 13572468</p></body></html>"
    ), html=True)
    assert source.fetch(address, after=mark, code_length=8) == "87654321"


def test_code_length_is_respected(source: ImapSource, imap_server: ImapServer) -> None:
    """A run of the wrong length is not a code: with code_length 6 the 6-digit run is returned."""
    address = new_address()
    mark = source.mark(address)
    imap_server.deliver(address, "Your code is 123456. Request 12345678.")
    assert source.fetch(address, after=mark, code_length=6) == "123456"


def test_a_code_of_another_length_is_still_read(source: ImapSource, imap_server: ImapServer) -> None:
    """With no run of the announced length, the code-shaped run nearest "code" is returned (its length is then the
    target's failure, not a harness timeout)."""
    address = new_address()
    mark = source.mark(address)
    imap_server.deliver(address, "Your code is 123456. Thanks, Contoso.")
    assert source.fetch(address, after=mark, code_length=8) == "123456"


def test_timeout_names_address_and_source(source: ImapSource, imap_server: ImapServer) -> None:
    """No message: one line naming the address and the server."""
    address = new_address()
    mark = source.mark(address)
    with pytest.raises(OtpTimeout) as raised:
        source.fetch(address, after=mark, code_length=8, timeout=0.3)
    assert str(raised.value) == f"no OTP for {address} from imap {imap_server.host}:{imap_server.port} within 0.3 s"


def test_wrong_credentials_fail_in_one_line(
    source: ImapSource, imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login the server refuses is an OtpError naming the server, never showing the password."""
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "not-the-password")
    with pytest.raises(OtpError) as raised:
        source.mark(new_address())
    message = str(raised.value)
    assert message.startswith(f"imap {imap_server.host}:{imap_server.port}: ")
    assert "\n" not in message and "not-the-password" not in message
