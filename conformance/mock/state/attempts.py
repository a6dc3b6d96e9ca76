"""Wrong-guess counters behind the tenant's attempt limits: per (kind, address), with a lockout once a limit is hit."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

EXPIRY_BUDGET = 2
"""Counters looked at for expiry per wrong guess (see `continuation.EXPIRY_BUDGET`)."""


@dataclass(slots=True)
class Guesses:
    """Wrong guesses since `since`; `locked_until` is when a lockout ends (0 when none)."""

    count: int
    since: float
    locked_until: float = 0.0


class Attempts:
    """Counts wrong guesses per (kind, address) within `window` seconds; `limits[kind]` of them lock the address for
    `window` seconds. Counters are kept least recently used first: at most `limit`, idle ones go first."""

    def __init__(self, limits: dict[str, int], window: float, limit: int) -> None:
        self.limits, self.window, self.limit = limits, window, limit
        self.counters: OrderedDict[tuple[str, str], Guesses] = OrderedDict()

    def __len__(self) -> int:
        return len(self.counters)

    def enabled(self, kind: str) -> bool:
        """Whether guesses of this kind are limited at all."""
        return self.limits.get(kind, 0) > 0

    def locked_for(self, kind: str, address: str, now: float) -> float:
        """Seconds the address stays locked for guesses of `kind` (0 when it may guess)."""
        guesses = self.counters.get((kind, address.lower()))
        return max(0.0, guesses.locked_until - now) if guesses is not None else 0.0

    def wrong(self, kind: str, address: str, now: float) -> None:
        """Count a wrong guess; the one that reaches the limit starts the lockout."""
        if not self.enabled(kind):
            return
        key = (kind, address.lower())
        guesses = self.counters.get(key)
        if guesses is None or now >= guesses.since + self.window:
            guesses = self.counters[key] = Guesses(0, now)
        guesses.count += 1
        if guesses.count >= self.limits[kind]:
            guesses.locked_until = now + self.window
        self.counters.move_to_end(key)
        if len(self.counters) > self.limit:
            self.counters.popitem(last=False)
        for _ in range(EXPIRY_BUDGET):
            oldest = next(iter(self.counters.values()), None)
            if oldest is None or max(oldest.since + self.window, oldest.locked_until) > now:
                break
            self.counters.popitem(last=False)

    def right(self, kind: str, address: str) -> None:
        """A right guess clears the address's count."""
        self.counters.pop((kind, address.lower()), None)
