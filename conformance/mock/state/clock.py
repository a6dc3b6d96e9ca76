"""The mock clock: wall time plus an offset the control API moves, for everyone or for one `client-request-id`."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("mock_client_request_id", default=None)
"""The `client-request-id` of the request being served, so a clock offset can be scoped to it."""

MAX_OFFSET = 10**9
"""Seconds the clock may run ahead of wall time (about 31 years): far enough for any lifetime, near enough that every
time the mock prints (timestamps, `exp`) stays a valid date."""


class ClockError(ValueError):
    """An offset the clock refuses (not a finite number from 0 to MAX_OFFSET); the message says which."""


def seconds_value(key: str, value: object) -> float:
    """`value` as seconds to move the clock by or to: a finite number from 0 to MAX_OFFSET, else ClockError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ClockError(f"{key} must be a finite number of seconds; got {value!r}")
    return _checked(float(value), key)


def _checked(seconds: float, what: str) -> float:
    if not 0 <= seconds <= MAX_OFFSET:
        raise ClockError(f"{what} must be from 0 to {MAX_OFFSET} seconds; got {seconds:g}")
    return seconds


class Clock:
    """Wall-clock time plus an offset the control API can advance, globally or for one `client-request-id`.

    A scoped offset lets one request see the future (an expired token) without moving the time every other
    flow sees, so concurrent flows and later id_token `iat` checks are unaffected. At most `scoped_limit` ids keep an
    offset; beyond it the oldest is forgotten."""

    def __init__(self, scoped_limit: int = 10_000) -> None:
        self.offset = 0.0
        self.scoped: OrderedDict[str, float] = OrderedDict()
        self.scoped_limit = scoped_limit

    def now(self) -> float:
        """Seconds since the epoch on the mock clock, as the request being served sees it."""
        crid = REQUEST_ID.get()
        return time.time() + self.offset + (self.scoped.get(crid, 0.0) if crid else 0.0)

    def shared_now(self) -> float:
        """The time every request without a scoped offset sees (what expiry of shared state is measured against)."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` (ClockError past MAX_OFFSET) and return the new time."""
        self.offset = _checked(self.offset + seconds, "the clock's offset after advancing")
        return self.now()

    def set_offset(self, seconds: float) -> None:
        """Put the clock `seconds` ahead of wall time (0 rewinds, so issued JWTs verify against real time again)."""
        self.offset = _checked(seconds, "offset_seconds")

    def scope(self, crid: str, seconds: float, *, relative: bool) -> None:
        """Give requests sending `crid` their own offset: `seconds` more than they had (`relative`), or exactly it."""
        base = self.scoped.get(crid, 0.0) if relative else 0.0
        self.scoped[crid] = _checked(base + seconds, "the scoped offset after advancing")
        self.scoped.move_to_end(crid)
        while len(self.scoped) > self.scoped_limit:
            self.scoped.popitem(last=False)

    def reset(self) -> None:
        """Back to wall time for everyone."""
        self.offset = 0.0
        self.scoped.clear()
