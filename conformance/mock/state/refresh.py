"""Refresh tokens: single-use and rotating, forgotten when spent, when expired, or oldest first beyond a count."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

from conformance.mock.state.directory import User

EXPIRY_BUDGET = 2
"""Tokens looked at for expiry per token issued (see `continuation.EXPIRY_BUDGET`)."""


@dataclass(slots=True)
class RefreshRecord:
    """Server-side record behind an opaque refresh token."""

    user: User
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    spent: bool = False


class RefreshTokens:
    """Records in issue order, which is expiry order (one lifetime for all), at most `limit` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.records: OrderedDict[str, RefreshRecord] = OrderedDict()

    def __len__(self) -> int:
        return len(self.records)

    def issue(self, record: RefreshRecord, now: float) -> str:
        """Store a record under a fresh opaque value; `now` (shared mock time) lets expired ones go."""
        value = secrets.token_urlsafe(48)
        self.records[value] = record
        if len(self.records) > self.limit:
            self.records.popitem(last=False)
        for _ in range(EXPIRY_BUDGET):
            oldest = next(iter(self.records.values()), None)
            if oldest is None or oldest.expires_at > now:
                break
            self.records.popitem(last=False)
        return value

    def redeem(self, value: str, client_id: str, now: float, *, accept_spent: bool) -> RefreshRecord | None:
        """Spend a token presented by `client_id` at `now`; None when unknown, spent, expired or another client's.

        With `accept_spent` (the `accept_reused_token` deviation) a spent token is accepted again and is kept."""
        record = self.records.get(value)
        if record is None or record.client_id != client_id.lower():
            return None
        if record.spent and not accept_spent or record.expires_at <= now:
            return None
        if accept_spent:
            record.spent = True
        else:
            del self.records[value]
        return record
