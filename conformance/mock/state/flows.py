"""Flows in progress: one record per native-auth flow chain, bounded by count, count per username and age."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from conformance.mock.config import AppConfig
from conformance.mock.state.directory import MfaMethod, User


@dataclass(slots=True)
class Otp:
    """A one-time passcode that is currently valid for a flow."""

    code: str
    channel: str
    target: str
    purpose: str
    expires_at: float


@dataclass(slots=True, eq=False)
class Flow:
    """One native-auth flow chain (sign-up → auto sign-in → registration keeps the same flow).

    `tokens` are the continuation tokens the flow holds (newest last) and `until` when the newest of them expires:
    both belong to the flow's bookkeeping (`Flows`, `ContinuationTokens`), not to the endpoints."""

    kind: str
    app: AppConfig
    username: str
    challenge_types: frozenset[str]
    capabilities: frozenset[str] = frozenset()
    user: User | None = None
    password: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    verified_email: str | None = None
    otps: list[Otp] = field(default_factory=list)
    stage: str = ""
    mfa_method: MfaMethod | None = None
    pending_method: tuple[str, str] | None = None
    strong_auth_done: bool = False
    new_password: str | None = None
    submitted_at: float = 0.0
    polls: int = 0
    tokens: list[str] = field(default_factory=list)
    until: float = 0.0


class Flows:
    """Flows in progress, least recently used first.

    A flow is forgotten `grace` seconds after its newest token expired, when more than `limit` flows are in progress
    (the least recently used goes), or when its username starts more than `per_address` flows (its oldest goes).
    Every operation is O(1) amortised: expiry looks only at the front of the usage order."""

    def __init__(self, limit: int, per_address: int, grace: float) -> None:
        self.limit, self.per_address, self.grace = limit, per_address, grace
        self.live: OrderedDict[Flow, None] = OrderedDict()
        self.by_address: dict[str, list[Flow]] = {}

    def __len__(self) -> int:
        return len(self.live)

    def touch(self, flow: Flow, until: float) -> list[Flow]:
        """Record activity of `flow` (a token valid until `until`); return the flows forgotten to make room."""
        flow.until = max(flow.until, until)
        if flow in self.live:
            self.live.move_to_end(flow)
            return []
        self.live[flow] = None
        same = self.by_address.setdefault(flow.username, [])
        same.append(flow)
        dropped = [self.drop(same[0])] if len(same) > self.per_address else []
        if len(self.live) > self.limit:
            dropped.append(self.drop(next(iter(self.live))))
        return dropped

    def expired(self, now: float, budget: int) -> list[Flow]:
        """Forget up to `budget` flows whose newest token expired more than `grace` seconds before `now`."""
        dropped: list[Flow] = []
        while len(dropped) < budget and self.live:
            oldest = next(iter(self.live))
            if oldest.until + self.grace > now:
                break
            dropped.append(self.drop(oldest))
        return dropped

    def drop(self, flow: Flow) -> Flow:
        """Forget one flow (its tokens are the caller's to forget)."""
        del self.live[flow]
        same = self.by_address[flow.username]
        same.remove(flow)
        if not same:
            del self.by_address[flow.username]
        return flow
