"""Mutable mock state, one module per thing it holds: `clock`, `directory` (users), `flows`, `continuation` (tokens),
`outbox`, `refresh` (tokens), `faults`, `attempts` (wrong-guess counters). `MockState` is the façade endpoints use.

Every store is bounded by the tenant's `[retention]` table and forgets in time order, looking only at its oldest
entries, a constant number per request: no request scans a table, and memory stays flat however long the mock runs.

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
from collections.abc import Iterable
from typing import Any

from conformance.mock.config import TenantConfig
from conformance.mock.state.attempts import Attempts
from conformance.mock.state.clock import REQUEST_ID, Clock, ClockError
from conformance.mock.state.continuation import ContinuationTokens, TokenProblem, TokenRecord
from conformance.mock.state.directory import Directory, MfaMethod, User
from conformance.mock.state.faults import FaultQueueFull, Faults
from conformance.mock.state.flows import Flow, Flows, Otp
from conformance.mock.state.outbox import Message, Outbox
from conformance.mock.state.refresh import RefreshRecord, RefreshTokens
from conformance.redaction import remember

log = logging.getLogger("conformance.mock")

INTERNAL_ERRORS_KEPT = 1000
"""Unexpected exceptions remembered (the first ones: those tell what went wrong)."""

__all__ = [
    "REQUEST_ID", "Clock", "ClockError", "FaultQueueFull", "Flow", "Message", "MfaMethod", "MockState", "Otp",
    "RefreshRecord", "TokenProblem", "TokenRecord", "User",
]


class MockState:
    """All state of one mock tenant; see the module docstring for the locking rule."""

    def __init__(self, tenant: TenantConfig) -> None:
        self.tenant = tenant
        self.lock = threading.RLock()
        self.clock = Clock(tenant.retention.scoped_clocks)
        self.reset()

    def reset(self) -> None:
        """Back to the tenant file: seeded users only, no flows/tokens/messages/faults, clock and deviations reset."""
        keep = self.tenant.retention
        limits = self.tenant.attempt_limits
        with self.lock:
            self.clock.reset()
            self.directory = Directory(self.tenant.users, keep.users)
            self.flows = Flows(keep.flows, keep.flows_per_address, keep.expired_token_grace)
            self.tokens = ContinuationTokens(self.flows)
            self.refresh_tokens = RefreshTokens(keep.refresh_tokens)
            self.outbox = Outbox(keep.outbox, keep.outbox_per_address, keep.outbox_max_age)
            self.faults = Faults(keep.faults)
            self.attempts = Attempts(
                {"otp": limits.wrong_otp, "password": limits.wrong_password}, limits.lockout_seconds,
                keep.guess_counters,
            )
            self.deviations: set[str] = set(self.tenant.deviations)
            self.internal_errors: list[str] = []

    def deviating(self, name: str) -> bool:
        """Whether the named deviation is switched on."""
        return name in self.deviations

    def sizes(self) -> dict[str, int]:
        """How many of each thing the mock holds now (`GET /_mock/state`; each is bounded by `[retention]`)."""
        with self.lock:
            return {
                "users": len(self.directory.users),
                "flows": len(self.flows),
                "continuation_tokens": len(self.tokens),
                "refresh_tokens": len(self.refresh_tokens),
                "outbox": len(self.outbox),
                "faults": self.faults.count,
                "scoped_clocks": len(self.clock.scoped),
                "guess_counters": len(self.attempts),
            }

    # --- users --------------------------------------------------------------------------------------------------------

    def user(self, email: str) -> User | None:
        """The user with this email (case-insensitive), if any."""
        return self.directory.get(email)

    def add_user(self, user: User) -> None:
        """Insert or replace a user."""
        with self.lock:
            self.directory.add(user)

    # --- continuation tokens ------------------------------------------------------------------------------------------

    def issue(self, flow: Flow, steps: Iterable[str], lifetime: int | None = None) -> str:
        """Mint an opaque continuation token usable once, by the flow's client, at one of `steps`, until it expires."""
        with self.lock:
            ttl = lifetime if lifetime is not None else self.tenant.lifetimes.continuation_token
            return self.tokens.issue(flow, steps, self.clock.now() + ttl, self.clock.shared_now())

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
        """Mark a token used: a second presentation is then invalid (the record is forgotten at once, or kept as spent
        while `accept_reused_token` is on)."""
        with self.lock:
            self.tokens.spend(value, keep=self.deviating("accept_reused_token"))

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
            self.outbox.add(Message(target, channel, code, purpose, sent_at, client_request_id, now),
                            self.clock.shared_now())
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
            return self.outbox.list(to)

    # --- wrong guesses ------------------------------------------------------------------------------------------------

    def throttled_for(self, kind: str, address: str) -> float:
        """Seconds guesses of `kind` ("otp", "password") for `address` stay throttled (0 when they may go on)."""
        with self.lock:
            return self.attempts.locked_for(kind, address, self.clock.now())

    def guessed(self, kind: str, address: str, *, right: bool) -> None:
        """Count a guess of `kind` for `address`: a wrong one towards the tenant's attempt limit, a right one clears."""
        with self.lock:
            if right:
                self.attempts.right(kind, address)
            else:
                self.attempts.wrong(kind, address, self.clock.now())

    # --- refresh tokens -----------------------------------------------------------------------------------------------

    def issue_refresh(self, user: User, client_id: str, scopes: tuple[str, ...]) -> str:
        """Mint an opaque, single-use (rotating) refresh token."""
        with self.lock:
            expires_at = self.clock.now() + self.tenant.lifetimes.refresh_token
            record = RefreshRecord(user, client_id.lower(), scopes, expires_at)
            return self.refresh_tokens.issue(record, self.clock.shared_now())

    def redeem_refresh(self, value: str, client_id: str) -> RefreshRecord | None:
        """Spend a refresh token presented by `client_id`; None when unknown, spent, expired or another client's."""
        with self.lock:
            return self.refresh_tokens.redeem(
                value, client_id, self.clock.now(), accept_spent=self.deviating("accept_reused_token")
            )

    # --- faults -------------------------------------------------------------------------------------------------------

    def queue_faults(self, client_request_id: str, endpoint: str, responses: list[dict[str, Any]]) -> int:
        """Append canned responses for one (client-request-id, endpoint); return the queue length (FaultQueueFull
        past `retention.faults`)."""
        with self.lock:
            return self.faults.queue(client_request_id, endpoint, responses)

    def next_fault(self, client_request_id: str | None, endpoint: str) -> dict[str, Any] | None:
        """Pop the next canned response for this request, if one is queued."""
        if not client_request_id or not self.faults.count:
            return None
        with self.lock:
            return self.faults.next(client_request_id, endpoint)

    def record_internal_error(self, summary: str) -> None:
        """Remember an unexpected exception (tests assert none happened)."""
        with self.lock:
            if len(self.internal_errors) < INTERNAL_ERRORS_KEPT:
                self.internal_errors.append(summary)
