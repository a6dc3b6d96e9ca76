"""Mutable mock state: clock, users, flows, continuation tokens, OTP outbox, refresh tokens, faults, deviations.

Every mutation happens under `MockState.lock` (a re-entrant lock); endpoint handlers hold it for their whole body, so a
request is atomic even when several event loops or threads share one app.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from conformance.mock.tenant import Application, Tenant, UserSeed
from conformance.redaction import remember

log = logging.getLogger("conformance.mock")

_PURGE_EVERY = 4096


REQUEST_ID: ContextVar[str | None] = ContextVar("mock_client_request_id", default=None)
"""The `client-request-id` of the request being served, so a clock offset can be scoped to it."""


class Clock:
    """Wall-clock time plus an offset the control API can advance, globally or for one `client-request-id`.

    A scoped offset lets one request see the future (an expired token) without moving the time every other
    flow sees, so concurrent flows and later id_token `iat` checks are unaffected."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.scoped: dict[str, float] = {}

    def now(self) -> float:
        """Seconds since the epoch on the mock clock, as the request being served sees it."""
        crid = REQUEST_ID.get()
        return time.time() + self.offset + (self.scoped.get(crid, 0.0) if crid else 0.0)

    def advance(self, seconds: float) -> float:
        """Move the clock forward (never backward) and return the new time."""
        self.offset += max(0.0, seconds)
        return self.now()


@dataclass(slots=True)
class MfaMethod:
    """A registered strong authentication method."""

    id: str
    channel: str
    target: str


@dataclass(slots=True)
class User:
    """An account in the mock directory."""

    email: str
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))
    password: str | None = None
    password_history: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    methods: list[MfaMethod] = field(default_factory=list)
    interaction_required: bool = False

    @classmethod
    def from_seed(cls, seed: UserSeed) -> User:
        """Build a user from its tenant-file seed; method ids default to fresh GUIDs."""
        methods = [MfaMethod(m.id or str(uuid.uuid4()), m.channel, m.target) for m in seed.mfa_methods]
        return cls(
            email=seed.email.lower(),
            password=seed.password,
            password_history=list(seed.password_history),
            attributes=dict(seed.attributes),
            methods=methods,
            interaction_required=seed.interaction_required,
        )


@dataclass(slots=True)
class Otp:
    """A one-time passcode that is currently valid for a flow."""

    code: str
    channel: str
    target: str
    purpose: str
    expires_at: float


@dataclass(slots=True)
class Flow:
    """One native-auth flow chain (sign-up → auto sign-in → registration keeps the same flow)."""

    kind: str
    app: Application
    username: str
    challenge_types: frozenset[str]
    capabilities: frozenset[str] = frozenset()
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
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


@dataclass(slots=True)
class TokenRecord:
    """Server-side record behind an opaque continuation token."""

    flow: Flow
    client_id: str
    steps: frozenset[str]
    expires_at: float
    spent: bool = False


@dataclass(slots=True)
class RefreshRecord:
    """Server-side record behind an opaque refresh token."""

    user: User
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    spent: bool = False


@dataclass(slots=True, frozen=True)
class Message:
    """An OTP the mock 'sent' (what `GET /_mock/outbox` lists)."""

    to: str
    channel: str
    code: str
    purpose: str
    sent_at: str
    client_request_id: str | None

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


class TokenProblem(Exception):
    """A continuation token that cannot be used: `expired` True for an expired one, else invalid."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class MockState:
    """All state of one mock tenant; see the module docstring for the locking rule."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.lock = threading.RLock()
        self.clock = Clock()
        self.reset()

    def reset(self) -> None:
        """Back to the tenant file: seeded users only, no flows/tokens/messages/faults, clock and deviations reset."""
        with self.lock:
            self.clock.offset = 0.0
            self.clock.scoped.clear()
            self.users: dict[str, User] = {seed.email: User.from_seed(seed) for seed in self.tenant.users}
            self.tokens: dict[str, TokenRecord] = {}
            self.refresh_tokens: dict[str, RefreshRecord] = {}
            self.outbox: list[Message] = []
            self.outbox_by_to: dict[str, list[Message]] = defaultdict(list)
            self.faults: dict[tuple[str, str], deque[dict[str, Any]]] = {}
            self.deviations: set[str] = set(self.tenant.deviations)
            self.internal_errors: list[str] = []
            self._issued = 0

    def deviating(self, name: str) -> bool:
        """Whether the named deviation is switched on."""
        return name in self.deviations

    # --- users --------------------------------------------------------------------------------------------------------

    def user(self, email: str) -> User | None:
        """The user with this email (case-insensitive), if any."""
        return self.users.get(email.lower())

    def add_user(self, user: User) -> None:
        """Insert or replace a user."""
        with self.lock:
            self.users[user.email.lower()] = user

    # --- continuation tokens ------------------------------------------------------------------------------------------

    def issue(self, flow: Flow, steps: frozenset[str] | set[str] | tuple[str, ...], lifetime: int | None = None) -> str:
        """Mint an opaque continuation token usable once, by the flow's client, at one of `steps`, until it expires."""
        with self.lock:
            value = secrets.token_urlsafe(48)
            ttl = lifetime if lifetime is not None else self.tenant.lifetimes.continuation_token
            self.tokens[value] = TokenRecord(flow, flow.app.client_id.lower(), frozenset(steps), self.clock.now() + ttl)
            self._issued += 1
            if self._issued % _PURGE_EVERY == 0:
                self._purge()
            return value

    def check(self, value: str, steps: tuple[str, ...], client_id: str) -> TokenRecord:
        """The record behind a token presented at one of `steps`; TokenProblem when it is unusable.

        Unknown, spent, another client's and out-of-order tokens are invalid; a valid-looking token past its lifetime is
        expired. The deviations `accept_reused_token` and `expired_token_accepted` relax the last two rules.
        """
        with self.lock:
            record = self.tokens.get(value)
            if record is None or record.client_id != client_id.lower() or not record.steps.intersection(steps):
                raise TokenProblem(expired=False)
            if record.spent and not self.deviating("accept_reused_token"):
                raise TokenProblem(expired=False)
            if self.clock.now() >= record.expires_at and not self.deviating("expired_token_accepted"):
                raise TokenProblem(expired=True)
            return record

    def spend(self, value: str) -> None:
        """Mark a token used; a second presentation is then invalid."""
        with self.lock:
            record = self.tokens.get(value)
            if record is not None:
                record.spent = True

    def _purge(self) -> None:
        horizon = self.clock.now() - 3600
        keep_spent = self.deviating("accept_reused_token")
        for key in [k for k, r in self.tokens.items() if (r.spent and not keep_spent) or r.expires_at < horizon]:
            del self.tokens[key]
        for key in [k for k, r in self.refresh_tokens.items() if r.spent or r.expires_at < horizon]:
            del self.refresh_tokens[key]

    # --- one-time passcodes -------------------------------------------------------------------------------------------

    def send_otp(self, flow: Flow, channel: str, target: str, purpose: str, client_request_id: str | None) -> Otp:
        """Generate an OTP for the flow, record it in the outbox, and invalidate earlier codes (a resend)."""
        with self.lock:
            length = self.tenant.otp_length - (2 if self.deviating("short_otp") else 0)
            code = remember(f"{secrets.randbelow(10**length):0{length}d}")
            now = self.clock.now()
            otp = Otp(code, channel, target, purpose, now + self.tenant.lifetimes.otp)
            if not self.deviating("resend_keeps_old_code"):
                flow.otps.clear()
            flow.otps.append(otp)
            sent_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
            message = Message(target, channel, code, purpose, sent_at, client_request_id)
            self.outbox.append(message)
            self.outbox_by_to[target.lower()].append(message)
            log.info("OTP %s to %s via %s (%s; request %s)", code, target, channel, purpose, client_request_id)
            return otp

    def verify_otp(self, flow: Flow, code: str) -> Otp | None:
        """The matching unexpired OTP (consumed), or None; `accept_wrong_otp` accepts anything, `otp_never_expires`
        an expired code."""
        with self.lock:
            now = -math.inf if self.deviating("otp_never_expires") else self.clock.now()
            match = next(
                (o for o in flow.otps if o.expires_at > now and hmac.compare_digest(o.code.encode(), code.encode())),
                None,
            )
            if match is None and self.deviating("accept_wrong_otp") and flow.otps:
                match = flow.otps[-1]
            if match is not None:
                flow.otps.clear()
            return match

    def messages(self, to: str | None = None) -> list[Message]:
        """Outbox messages, oldest first, optionally only those sent to one address."""
        with self.lock:
            return list(self.outbox if to is None else self.outbox_by_to.get(to.lower(), ()))

    # --- refresh tokens -----------------------------------------------------------------------------------------------

    def issue_refresh(self, user: User, client_id: str, scopes: tuple[str, ...]) -> str:
        """Mint an opaque, single-use (rotating) refresh token."""
        with self.lock:
            value = secrets.token_urlsafe(48)
            expires_at = self.clock.now() + self.tenant.lifetimes.refresh_token
            self.refresh_tokens[value] = RefreshRecord(user, client_id.lower(), scopes, expires_at)
            return value

    def redeem_refresh(self, value: str, client_id: str) -> RefreshRecord | None:
        """Spend a refresh token presented by `client_id`; None when unknown, spent, expired or another client's."""
        with self.lock:
            record = self.refresh_tokens.get(value)
            if record is None or record.client_id != client_id.lower():
                return None
            if record.spent and not self.deviating("accept_reused_token"):
                return None
            if record.expires_at <= self.clock.now():
                return None
            record.spent = True
            return record

    # --- faults -------------------------------------------------------------------------------------------------------

    def queue_faults(self, client_request_id: str, endpoint: str, responses: list[dict[str, Any]]) -> int:
        """Append canned responses for one (client-request-id, endpoint); return the queue length."""
        with self.lock:
            queue = self.faults.setdefault((client_request_id, endpoint), deque())
            queue.extend(responses)
            return len(queue)

    def next_fault(self, client_request_id: str | None, endpoint: str) -> dict[str, Any] | None:
        """Pop the next canned response for this request, if one is queued."""
        if not client_request_id or not self.faults:
            return None
        with self.lock:
            queue = self.faults.get((client_request_id, endpoint))
            if not queue:
                return None
            fault = queue.popleft()
            if not queue:
                del self.faults[(client_request_id, endpoint)]
            return fault

    def record_internal_error(self, summary: str) -> None:
        """Remember an unexpected exception (tests assert none happened)."""
        with self.lock:
            self.internal_errors.append(summary)
