"""Continuation tokens: opaque values behind which the mock keeps the flow, the client, the steps and the expiry."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.mock.state.flows import Flow, Flows

TOKENS_PER_FLOW = 16
"""Tokens one flow holds at most (a step spends the token it was given, so a flow normally holds one); beyond it the
oldest is forgotten. Bounds a flow kept going for ever while spent tokens are kept (`accept_reused_token`)."""

EXPIRY_BUDGET = 2
"""Flows looked at for expiry per token issued: more than one, so expiry outruns issuing; a constant, so no request
pays for a backlog."""


@dataclass(slots=True)
class TokenRecord:
    """Server-side record behind an opaque continuation token."""

    flow: Flow
    client_id: str
    steps: frozenset[str]
    expires_at: float
    spent: bool = False


class TokenProblem(Exception):
    """A continuation token that cannot be used: `expired` True for an expired one, else invalid."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class ContinuationTokens:
    """Token records by value. A spent token is forgotten at once unless asked to keep it, and so is a flow left
    without tokens; the other tokens go with their flow (see `Flows` for when a flow is forgotten)."""

    def __init__(self, flows: Flows) -> None:
        self.flows = flows
        self.records: dict[str, TokenRecord] = {}

    def __len__(self) -> int:
        return len(self.records)

    def issue(self, flow: Flow, steps: Iterable[str], expires_at: float, now: float) -> str:
        """Mint a token usable by the flow's client at one of `steps` until `expires_at`; `now` (shared mock time)
        lets expired flows go."""
        value = secrets.token_urlsafe(48)
        self.records[value] = TokenRecord(flow, flow.app.client_id.lower(), frozenset(steps), expires_at)
        flow.tokens.append(value)
        if len(flow.tokens) > TOKENS_PER_FLOW:
            self.records.pop(flow.tokens.pop(0), None)
        for gone in self.flows.touch(flow, expires_at) + self.flows.expired(now, EXPIRY_BUDGET):
            self._forget(gone)
        return value

    def get(self, value: str) -> TokenRecord | None:
        """The record behind a token, if the mock still knows it."""
        return self.records.get(value)

    def spend(self, value: str, *, keep: bool) -> None:
        """Mark a token used: forgotten at once, or kept as spent (`keep`) until its flow goes. A flow left without
        tokens can never be reached again, so it goes too (a next step's token brings it back)."""
        record = self.records.get(value)
        if record is None:
            return
        if keep:
            record.spent = True
            return
        del self.records[value]
        record.flow.tokens.remove(value)
        if not record.flow.tokens and record.flow in self.flows.live:
            self.flows.drop(record.flow)

    def _forget(self, flow: Flow) -> None:
        for value in flow.tokens:
            self.records.pop(value, None)
        flow.tokens.clear()
