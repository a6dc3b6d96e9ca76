"""OTPs from a mailbox over IMAP (standard library `imaplib`): newest message to the address since the mark."""

from __future__ import annotations

import email
import email.policy
import imaplib
import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

from conformance.otp.base import OtpError, describe, find_code, poll
from conformance.profile import ImapOtp

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HIDDEN_TAGS = ("script", "style", "head")
UIDNEXT = re.compile(rb"UIDNEXT (\d+)")
UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


@dataclass(frozen=True)
class ImapMark:
    """The mailbox's UIDVALIDITY and UIDNEXT, and the wall-clock time, when the mark was taken."""

    uidvalidity: int
    uidnext: int
    at: float


class _TextOfHtml(HTMLParser):
    """Collects the visible text of an HTML body."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def message_text(message: EmailMessage) -> str:
    """The text/plain body, else the visible text of the text/html body, else ''."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    if body.get_content_subtype() == "html":
        parser = _TextOfHtml()
        parser.feed(content)
        content = "".join(parser.parts)
    return content


def sent_to(message: EmailMessage, address: str) -> bool:
    """True when `address` is among the message's To/Cc recipients (exactly, ignoring case)."""
    headers = [str(value) for name in ("to", "cc") for value in message.get_all(name, [])]
    return any(found.lower() == address.lower() for _, found in getaddresses(headers))


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _since(at: float) -> str:
    """The IMAP date (dd-Mon-yyyy, English month) of the day before `at`, allowing for server time zones."""
    day = time.gmtime(at - 86400)
    return f"{day.tm_mday:02d}-{MONTHS[day.tm_mon - 1]}-{day.tm_year}"


class ImapSource:
    """Polls one mailbox for messages to the address that arrived after the mark (UID above the mark's)."""

    def __init__(self, config: ImapOtp) -> None:
        self.config = config
        self.label = f"imap{'s' if config.ssl else ''} {config.host}:{config.port}" + (
            " (STARTTLS)" if config.starttls else ""
        )

    @contextmanager
    def _session(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection, logged out on exit; OtpError (one line) when it cannot be had."""
        config = self.config
        context = ssl.create_default_context(cafile=config.ca_file) if config.ssl or config.starttls else None
        try:
            if config.ssl:
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=context, timeout=30)
            else:
                imap = imaplib.IMAP4(config.host, config.port, timeout=30)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise OtpError(f"{self.label}: cannot connect: {describe(exc)}") from None
        if config.starttls:
            try:
                imap.starttls(ssl_context=context)
            except (OSError, imaplib.IMAP4.error) as exc:
                with suppress(OSError, imaplib.IMAP4.error):
                    imap.shutdown()
                raise OtpError(f"{self.label}: STARTTLS failed: {describe(exc)}") from None
        try:
            imap.login(config.username.reveal(), config.password.reveal())
            yield imap
        except (OSError, imaplib.IMAP4.error) as exc:
            raise OtpError(f"{self.label}: {describe(exc)}") from None
        finally:
            with suppress(OSError, imaplib.IMAP4.error):
                imap.logout()

    def mark(self, address: str) -> ImapMark:
        """Record the mailbox's next UID (anything at or above it arrived after this call)."""
        with self._session() as imap:
            status, data = imap.status(_quote(self.config.mailbox), "(UIDNEXT UIDVALIDITY)")
        if status != "OK":
            raise OtpError(f"{self.label}: cannot read mailbox {self.config.mailbox}: {data!r}")
        text = b" ".join(item for item in data if isinstance(item, bytes))
        uidnext, uidvalidity = UIDNEXT.search(text), UIDVALIDITY.search(text)
        if uidnext is None or uidvalidity is None:
            raise OtpError(f"{self.label}: STATUS did not report UIDNEXT and UIDVALIDITY: {data!r}")
        return ImapMark(uidvalidity=int(uidvalidity[1]), uidnext=int(uidnext[1]), at=time.time())

    def fetch(self, address: str, *, after: object, code_length: int, timeout: float | None = None) -> str:
        """The code in the newest message to `address` that arrived after the mark."""
        if not isinstance(after, ImapMark):
            raise TypeError(f"expected an ImapMark from this source's mark(), got {after!r}")
        checked: set[int] = set()
        with self._session() as imap:
            status, data = imap.select(_quote(self.config.mailbox), readonly=True)
            if status != "OK":
                raise OtpError(f"{self.label}: cannot select mailbox {self.config.mailbox}: {data!r}")
            first_uid = after.uidnext if self._uidvalidity(imap) == after.uidvalidity else 1

            def attempt() -> str | None:
                imap.noop()
                _, data = imap.uid(
                    "SEARCH", "UID", f"{first_uid}:*", "SINCE", _since(after.at), "TO", _quote(address)
                )
                found = b" ".join(item for item in data if isinstance(item, bytes))
                uids = sorted((int(uid) for uid in found.split()), reverse=True)
                for uid in uids:
                    if uid < first_uid or uid in checked:
                        continue
                    checked.add(uid)
                    code = self._code_in(imap, uid, address, code_length)
                    if code:
                        return code
                return None

            return poll(
                attempt, label=self.label, address=address,
                timeout=self.config.timeout_s if timeout is None else timeout, interval=self.config.poll_interval_s,
            )

    @staticmethod
    def _uidvalidity(imap: imaplib.IMAP4) -> int | None:
        """The UIDVALIDITY the last SELECT reported."""
        _, data = imap.response("UIDVALIDITY")
        return int(data[0]) if data and data[0] else None

    @staticmethod
    def _code_in(imap: imaplib.IMAP4, uid: int, address: str, code_length: int) -> str | None:
        """The code in message `uid` when it is addressed to `address` (read without setting \\Seen)."""
        _, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = next((part[1] for part in data if isinstance(part, tuple)), None)
        if raw is None:
            return None
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if not isinstance(message, EmailMessage) or not sent_to(message, address):
            return None
        return find_code(message_text(message), code_length) or find_code(str(message["subject"] or ""), code_length)
