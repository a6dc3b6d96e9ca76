"""The state stores on their own: each forgets in time order and does a constant amount of work per call."""

from __future__ import annotations

import pytest

from conformance.mock import load_tenant
from conformance.mock.state import Clock, ClockError, Flow, Message
from conformance.mock.state.attempts import Attempts
from conformance.mock.state.clock import MAX_OFFSET
from conformance.mock.state.continuation import EXPIRY_BUDGET, TOKENS_PER_FLOW, ContinuationTokens
from conformance.mock.state.flows import Flows
from conformance.mock.state.outbox import Outbox

APP = load_tenant().applications[2]


def _flow(username: str = "a@example.com") -> Flow:
    return Flow("signup", APP, username, frozenset({"oob", "redirect"}))


def test_issuing_lets_a_constant_number_of_expired_flows_go() -> None:
    """A backlog of 1,000 expired flows costs each issue EXPIRY_BUDGET drops, never a scan of the table."""
    tokens = ContinuationTokens(Flows(limit=10_000, per_address=10_000, grace=0))
    for index in range(1000):
        tokens.issue(_flow(f"u{index}@example.com"), ("E2",), expires_at=100.0, now=0.0)
    assert len(tokens.flows) == 1000
    tokens.issue(_flow(), ("E2",), expires_at=10_000.0, now=200.0)
    assert len(tokens.flows) == 1001 - EXPIRY_BUDGET and len(tokens) == 1001 - EXPIRY_BUDGET


def test_a_flow_holds_a_bounded_number_of_tokens() -> None:
    """Tokens kept as spent (accept_reused_token) cannot grow one flow without bound: the oldest go."""
    tokens = ContinuationTokens(Flows(limit=10, per_address=10, grace=0))
    flow = _flow()
    values = [tokens.issue(flow, ("E2",), expires_at=100.0, now=0.0) for _ in range(TOKENS_PER_FLOW + 3)]
    for value in values:
        tokens.spend(value, keep=True)
    assert len(tokens) == TOKENS_PER_FLOW and tokens.get(values[0]) is None and tokens.get(values[-1]).spent


def test_spending_forgets_the_token_and_its_place_in_the_flow() -> None:
    tokens = ContinuationTokens(Flows(limit=10, per_address=10, grace=0))
    flow = _flow()
    value = tokens.issue(flow, ("E2",), expires_at=100.0, now=0.0)
    tokens.spend(value, keep=False)
    assert tokens.get(value) is None and flow.tokens == []


def test_outbox_indexes_stay_consistent_through_every_kind_of_eviction() -> None:
    """Per-address, count and age evictions keep each address's listing equal to the outbox filtered by address."""
    outbox = Outbox(limit=5, per_address=2, max_age=50)
    for step in range(40):
        to = f"u{step % 3}@example.com"
        outbox.add(Message(to, "email", f"{step:08d}", "signup", "t", None, at=float(step * 7)), now=float(step * 7))
        everything = outbox.list()
        assert len(everything) <= 5
        for address in {m.to for m in everything}:
            assert outbox.list(address.upper()) == [m for m in everything if m.to == address]
            assert len(outbox.list(address)) <= 2
        assert all(m.at + 50 > step * 7 - 14 for m in everything)  # at most two expiries behind
    assert set(outbox.by_to) == {m.to for m in outbox.list()}


def test_attempts_lock_then_forget() -> None:
    """The limit-th wrong guess locks for the window; after it the count starts again; a right guess clears."""
    attempts = Attempts({"otp": 2, "password": 0}, window=60, limit=100)
    attempts.wrong("otp", "A@example.com", now=0)
    assert attempts.locked_for("otp", "a@example.com", now=1) == 0
    attempts.wrong("otp", "a@example.com", now=10)
    assert attempts.locked_for("otp", "a@example.com", now=20) == 50
    assert attempts.locked_for("otp", "a@example.com", now=70) == 0
    attempts.wrong("otp", "a@example.com", now=71)
    assert attempts.locked_for("otp", "a@example.com", now=72) == 0
    attempts.right("otp", "a@example.com")
    attempts.wrong("password", "a@example.com", now=80)
    assert len(attempts) == 0  # passwords are not limited, and the right OTP cleared its count


def test_clock_offsets_stay_within_bounds_and_scoped_ids_are_bounded() -> None:
    clock = Clock(scoped_limit=2)
    with pytest.raises(ClockError):
        clock.set_offset(MAX_OFFSET + 1)
    clock.advance(MAX_OFFSET)
    with pytest.raises(ClockError):
        clock.advance(1)
    assert clock.offset == MAX_OFFSET
    for crid in ("a", "b", "c"):
        clock.scope(crid, 5, relative=True)
    clock.scope("b", 5, relative=True)
    assert dict(clock.scoped) == {"c": 5.0, "b": 10.0}
