"""The OTP source interface, its errors, and what every source shares: polling and finding a code in text."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Protocol

from conformance.redaction import remember

log = logging.getLogger("conformance.otp")
KEYWORDS = re.compile(r"(?i)\b(?:code|passcode|one-time|otp|verification|verify)\b")


class OtpError(RuntimeError):
    """An OTP source could not be read at all (a problem of the run, not a verdict); the message is one line."""


class OtpTimeout(OtpError):
    """No OTP for the address arrived in time."""


class OtpSource(Protocol):
    """Where the one-time passcodes a target sends can be read (api-reference.md §7.5)."""

    label: str

    def mark(self, address: str) -> object:
        """Remember what is already there, right before the challenge request that sends a code."""

    def fetch(self, address: str, *, after: object, code_length: int, timeout: float | None = None) -> str:
        """Wait for the first code sent to `address` since `after` (a `mark`); OtpTimeout when none arrives."""


def describe(exc: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def poll(
    attempt: Callable[[], str | None], *, label: str, address: str, timeout: float, interval: float
) -> str:
    """Call `attempt` every `interval` seconds until it returns a code; OtpTimeout after `timeout` seconds.

    When the first attempt finds nothing, says which OTP the run waits for (logger `conformance.otp`, INFO)."""
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        code = attempt()
        if code:
            return remember(code)
        if not waiting:
            waiting = True
            log.info("waiting for the OTP sent to %s (%s, up to %g s)", address, label, timeout)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OtpTimeout(f"no OTP for {address} from {label} within {timeout:g} s")
        time.sleep(min(interval, remaining))


#: How long a run of digits may be to be read as a one-time passcode (a code of another length than announced is
#: still returned, so that its length is the target's failure, R-OTP-CODE-LENGTH, and not a harness timeout).
CODE_SHAPED = (4, 12)


def find_code(text: str, code_length: int) -> str | None:
    """The run of exactly `code_length` digits nearest a word like "code" (the first one when no such word); when
    there is none, the code-shaped run (`CODE_SHAPED` digits) nearest such a word."""
    return _nearest_run(text, f"{code_length}") or _nearest_run(text, f"{CODE_SHAPED[0]},{CODE_SHAPED[1]}")


def _nearest_run(text: str, length: str) -> str | None:
    """The run of `length` digits (a regex quantifier body) nearest a keyword, else the first one."""
    run = re.compile(rf"(?<![\w@+\-./])\d{{{length}}}(?![\w@\-/]|[.,]\d)")
    candidates = list(run.finditer(text))
    if not candidates:
        return None
    keywords = [(m.start(), m.end()) for m in KEYWORDS.finditer(text)]
    if not keywords:
        return candidates[0].group()

    def distance(match: re.Match[str]) -> int:
        return min(max(match.start() - end, start - match.end()) for start, end in keywords)

    return min(candidates, key=distance).group()
