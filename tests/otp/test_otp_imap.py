"""The IMAP OTP source against a real IMAP server (pymap): what it returns, what it ignores, how it gives up; over
plain IMAP, STARTTLS and TLS from the start, with a self-signed certificate made for the test (trustme)."""

from __future__ import annotations

import imaplib
import importlib.util
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme

from conformance.otp import ImapSource, OtpError, OtpTimeout, otp_source_from_profile
from conformance.profile import load_profile
from conformance.target import free_port

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


@contextmanager
def pymap(folder: Path, *options: str) -> Iterator[ImapServer]:
    """pymap (`dict` backend, user demouser/demopass) serving 127.0.0.1 with `options` until the block ends."""
    if importlib.util.find_spec("pymap") is None:
        pytest.fail("the IMAP tests need a real IMAP server: pip install 'pymap>=0.36,<0.37'")
    port = free_port()
    log = folder / "stderr.log"
    command = [sys.executable, "-c", "from pymap.main import main; main()",
               "--host", "127.0.0.1", "--port", str(port), *options, "dict"]
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


@pytest.fixture(scope="module")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    """pymap over plain IMAP for the module's tests."""
    with pymap(tmp_path_factory.mktemp("pymap"), "--no-tls") as server:
        yield server


def imap_source(folder: Path, port: int, settings: str) -> ImapSource:
    """The source a profile with an `[otp] type = "imap"` table and these extra `settings` builds."""
    profile = folder / "profile.toml"
    profile.write_text(f"""
base_url = "https://contoso.ciamlogin.com/contoso.onmicrosoft.com"
client_id = "00001111-aaaa-2222-bbbb-3333cccc4444"
[tenant]
auth_method = "email_otp"
[signup]
address_template = "qa+{{id}}@example.com"
[otp]
type = "imap"
host = "127.0.0.1"
port = {port}
{settings}
username_env = "TEST_IMAP_USER"
password_env = "TEST_IMAP_PASSWORD"
timeout_s = 3
poll_interval_s = 0.05
""")
    built = otp_source_from_profile(load_profile(profile))
    assert isinstance(built, ImapSource)
    return built


@pytest.fixture
def source(imap_server: ImapServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImapSource:
    """The source a profile with an `[otp] type = "imap"` table builds, pointed at the test server."""
    monkeypatch.setenv("TEST_IMAP_USER", USER)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", PASSWORD)
    return imap_source(tmp_path, imap_server.port, "ssl = false")


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


# TLS: pymap offers STARTTLS with the test's certificate; TLS from the start (the profile's default `ssl = true`, port
# 993 in real life) is a TLS front on a free port, terminating with the same certificate and passing IMAP to pymap.


@dataclass(frozen=True)
class TlsImap:
    """pymap with a certificate from a CA made for the test, the CA's PEM file, and a TLS front for it."""

    server: ImapServer
    ca_file: Path
    front_port: int


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _relay(raw: socket.socket, context: ssl.SSLContext, backend: int) -> None:
    """Terminate TLS on `raw` and pass what it carries to 127.0.0.1:`backend` and back until either side closes."""
    with (
        raw,
        suppress(OSError),
        context.wrap_socket(raw, server_side=True) as client,
        socket.create_connection(("127.0.0.1", backend)) as upstream,
    ):
        answers = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        answers.start()
        _pump(client, upstream)
        answers.join(timeout=10)


def _tls_front(listener: socket.socket, context: ssl.SSLContext, backend: int) -> None:
    """Accept TLS connections, each relayed to 127.0.0.1:`backend` in a thread of its own."""
    while True:
        try:
            raw, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_relay, args=(raw, context, backend), daemon=True).start()


@pytest.fixture(scope="module")
def tls_imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsImap]:
    """A CA and a certificate for 127.0.0.1 made now; pymap using it for STARTTLS; a TLS front using it too."""
    folder = tmp_path_factory.mktemp("pymap-tls")
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    certificate.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    certificate.private_key_pem.write_to_path(str(folder / "key.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    with pymap(folder, "--cert", str(folder / "cert.pem"), "--key", str(folder / "key.pem")) as server:
        listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=_tls_front, args=(listener, context, server.port), daemon=True).start()
        try:
            yield TlsImap(server, folder / "ca.pem", listener.getsockname()[1])
        finally:
            listener.close()


@pytest.fixture
def imap_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_IMAP_USER", USER)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", PASSWORD)


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
@pytest.mark.usefixtures("imap_env")
def test_tls_with_the_profiles_ca_file_reads_the_code(tls_imap: TlsImap, tmp_path: Path, mode: str) -> None:
    """TLS from the start (the default, `ssl = true`) and STARTTLS both check the server's certificate against the
    profile's `ca_file` (relative to the profile) and read the code."""
    shutil.copy(tls_imap.ca_file, tmp_path / "test-ca.pem")
    port, settings = {
        "ssl": (tls_imap.front_port, ""),
        "starttls": (tls_imap.server.port, "ssl = false\nstarttls = true"),
    }[mode]
    source = imap_source(tmp_path, port, f'{settings}\nca_file = "test-ca.pem"')
    address = new_address()
    mark = source.mark(address)
    tls_imap.server.deliver(address, "Your code is 24242424")
    assert source.fetch(address, after=mark, code_length=8) == "24242424"


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
@pytest.mark.usefixtures("imap_env")
def test_a_certificate_the_system_does_not_trust_is_one_line(tls_imap: TlsImap, tmp_path: Path, mode: str) -> None:
    """Without `ca_file` the self-signed chain is checked against the system's CAs and refused, in one line."""
    port, settings, what = {
        "ssl": (tls_imap.front_port, "", "cannot connect"),
        "starttls": (tls_imap.server.port, "ssl = false\nstarttls = true", "STARTTLS failed"),
    }[mode]
    source = imap_source(tmp_path, port, settings)
    with pytest.raises(OtpError) as raised:
        source.mark(new_address())
    message = str(raised.value)
    assert message.startswith(f"{source.label}: {what}: SSLCertVerificationError: ")
    assert "CERTIFICATE_VERIFY_FAILED" in message and "\n" not in message
