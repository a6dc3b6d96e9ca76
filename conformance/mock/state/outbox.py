"""The OTP outbox: every one-time passcode the mock 'sent', bounded by age, count per address and count."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

EXPIRY_BUDGET = 2
"""Messages looked at for age per message sent (see `continuation.EXPIRY_BUDGET`)."""


@dataclass(slots=True, frozen=True)
class Message:
    """An OTP the mock 'sent' (what `GET /_mock/outbox` lists); `at` is the mock-clock time it was sent."""

    to: str
    channel: str
    code: str
    purpose: str
    sent_at: str
    client_request_id: str | None
    at: float = field(default=0.0, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the control API."""
        return {
            "to": self.to,
            "channel": self.channel,
            "code": self.code,
            "purpose": self.purpose,
            "sent_at": self.sent_at,
            "client_request_id": self.client_request_id,
        }


class Outbox:
    """Messages oldest first. Kept at most `max_age` seconds, at most `per_address` per address and `limit` in all;
    beyond a bound the oldest goes."""

    def __init__(self, limit: int, per_address: int, max_age: float) -> None:
        self.limit, self.per_address, self.max_age = limit, per_address, max_age
        self.messages: OrderedDict[int, Message] = OrderedDict()
        self.by_to: dict[str, deque[int]] = {}
        self.serial = 0

    def __len__(self) -> int:
        return len(self.messages)

    def add(self, message: Message, now: float) -> None:
        """Record a message sent; `now` (shared mock time) lets old messages go."""
        self.serial += 1
        self.messages[self.serial] = message
        keys = self.by_to.setdefault(message.to.lower(), deque())
        keys.append(self.serial)
        if len(keys) > self.per_address:
            del self.messages[keys.popleft()]
        if len(self.messages) > self.limit:
            self._drop_oldest()
        for _ in range(EXPIRY_BUDGET):
            oldest = next(iter(self.messages.values()), None)
            if oldest is None or oldest.at + self.max_age > now:
                break
            self._drop_oldest()

    def list(self, to: str | None = None) -> list[Message]:
        """Messages oldest first, optionally only those sent to one address (case-insensitive)."""
        if to is None:
            return list(self.messages.values())
        return [self.messages[key] for key in self.by_to.get(to.lower(), ())]

    def _drop_oldest(self) -> None:
        # The oldest message is also the oldest sent to its address: the front of that address's keys.
        _, message = self.messages.popitem(last=False)
        keys = self.by_to[message.to.lower()]
        keys.popleft()
        if not keys:
            del self.by_to[message.to.lower()]
