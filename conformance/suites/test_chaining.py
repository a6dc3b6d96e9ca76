"""Continuation-token chaining (api-reference.md §2.1, §7.1): each consuming step takes only the token meant for it.

One case per consuming step, i.e. per target of an OpenAPI link (`openapi.links()`), reached through that link by the
recipes of `conformance/chaining/recipes.py`. The step's right request succeeds; the same request with the token reused,
altered, from an earlier step, from another flow, from another client, with another grant type or after expiry is
refused with the step's documented error row (`specs/errors.yaml`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from conformance import checks
from conformance.chaining import cases
from conformance.chaining.cases import Case
from conformance.chaining.chain import Chain
from conformance.chaining.operations import grants, other_grant, regrant
from conformance.chaining.refusals import expired_row, grant_rows, invalid_token, invalid_token_row, reuse_rule

pytestmark = pytest.mark.chaining


def _params(kind: str, requirements: Callable[[Case], tuple[str, ...]], more: Callable[[Case], list] = lambda case: []) -> list:
    """The cases a token of `kind` is presented in (`cases.TOKEN_KINDS`), each marked with its requirements."""
    return [
        pytest.param(case, id=case.id, marks=[pytest.mark.requirement(*requirements(case)), *more(case)])
        for case in cases.of_kind(kind)
    ]


def _invalid(kind: str, rule: str) -> list:
    return _params(kind, lambda case: (rule, invalid_token_row(case.step).id))


def _grant_rows(case: Case) -> tuple[str, ...]:
    """Ids of the rows that may refuse the case's token with another grant (for each grant the step may take when
    which one is decided on the way, as E10's: `oob`, or `continuation_token` when preverified)."""
    owns = (case.grant_type,) if case.grant_type else grants(case.operation)
    rows = (grant_rows(case.step, case.operation, other_grant(case.operation, own)) for own in owns)
    return tuple(dict.fromkeys(row.id for found in rows for row, _ in found))


@pytest.fixture
def chain(target, steps_for, verdict) -> Chain:
    """Actors whose requests go through a ledger of tokens, sharing this test's verdict and transcript."""
    return Chain(target, steps_for(target.profile.client_id).client, verdict)


@pytest.mark.parametrize("case", _params("right", lambda case: (case.step, "R-TOKEN-STEP-SCOPED", "R-TOKEN-EVERY-STEP")))
def test_right_token_at_right_step_succeeds(case, chain, verdict):
    """The token the previous step handed out, sent to the step the flow feeds it to, moves the flow on with a new token or the documented flow-control answer (§2.1, §7.1)."""
    reached = case.reach(chain)
    chain.accepted(reached, reached.send())


@pytest.mark.parametrize("case", _params("reused", lambda case: (reuse_rule(case.step), invalid_token_row(case.step).id)))
def test_reused_token_is_refused(case, chain, verdict):
    """A continuation token is good for one request: the step's right request sent a second time is refused with the step's invalid-token row (§7.1); E14's token polls until the reset is done, then it is refused (§E15, ERR-71)."""
    reached = case.reach(chain)
    if not chain.accepted(reached, reached.send()):
        return
    checks.refused_one_of(verdict, reached.send(), reuse_rule(case.step), invalid_token(case.step))


@pytest.mark.parametrize("case", _invalid("tampered", "R-TOKEN-OPAQUE"))
def test_tampered_token_is_refused(case, chain, verdict):
    """A continuation token with one character in its middle changed is refused with the step's invalid-token row (§7.1: the token is opaque to the client)."""
    reached = case.reach(chain)
    token = reached.token
    middle = len(token) // 2
    swapped = "A" if token[middle] != "A" else "B"
    answer = reached.send(continuation_token=token[:middle] + swapped + token[middle + 1 :])
    checks.refused_one_of(verdict, answer, "R-TOKEN-OPAQUE", invalid_token(case.step))


@pytest.mark.parametrize("case", _invalid("truncated", "R-TOKEN-OPAQUE"))
def test_truncated_token_is_refused(case, chain, verdict):
    """The first half of a continuation token is refused with the step's invalid-token row (§7.1: the token is opaque to the client)."""
    reached = case.reach(chain)
    answer = reached.send(continuation_token=reached.token[: len(reached.token) // 2])
    checks.refused_one_of(verdict, answer, "R-TOKEN-OPAQUE", invalid_token(case.step))


@pytest.mark.parametrize("case", _invalid("earlier_step", "R-TOKEN-STEP-SCOPED"))
def test_token_of_an_earlier_step_is_refused(case, chain, verdict):
    """The token that produced the step's token, presented to the step instead, is refused with the step's invalid-token row (§7.1: each step returns a new token, valid only for the next request)."""
    reached = case.reach(chain)
    earlier = chain.ledger.previous(reached.token)
    assert earlier is not None, f"the walk to {case.step} recorded no request that handed out its token"
    answer = reached.send(continuation_token=earlier)
    checks.refused_one_of(verdict, answer, "R-TOKEN-STEP-SCOPED", invalid_token(case.step))


@pytest.mark.parametrize("case", _invalid("other_flow", "R-TOKEN-FLOW-BOUND"))
def test_token_of_another_flow_is_refused(case, chain, verdict):
    """A fresh, unused token of another flow's step (another flow's start answer, same client) is refused with the step's invalid-token row (§7.1: the token identifies one flow)."""
    reached = case.reach(chain)
    answer = reached.send(continuation_token=chain.foreign_token(reached))
    checks.refused_one_of(verdict, answer, "R-TOKEN-FLOW-BOUND", invalid_token(case.step))


@pytest.mark.parametrize("case", _invalid("other_client", "R-TOKEN-CLIENT-BOUND"))
def test_token_of_another_client_is_refused(case, chain, verdict):
    """The step's right request sent with another public client's client_id is refused with the step's invalid-token row (§7.1: the token belongs to the flow its client began)."""
    reached = case.reach(chain)
    answer = reached.send(client_id=chain.other_client(reached))
    checks.refused_one_of(verdict, answer, "R-TOKEN-CLIENT-BOUND", invalid_token(case.step))


@pytest.mark.parametrize("case", _params("other_grant", lambda case: ("R-TOKEN-GRANT-MATCH", *_grant_rows(case))))
def test_token_with_another_grant_type_is_refused(case, chain, verdict):
    """The step's token sent with another documented grant_type (that grant's fields filled in) is refused with the table's grant-type or invalid-token row (§E6 grant types, §7.1)."""
    reached = case.reach(chain)
    own = reached.form.get("grant_type") or ""
    sent = other_grant(reached.operation, own)
    answer = reached.actor.steps.client.send(
        reached.operation, regrant(reached, sent, chain.target.profile.scopes)
    )
    checks.refused_one_of(verdict, answer, "R-TOKEN-GRANT-MATCH", grant_rows(case.step, reached.operation, sent))


def _expiry(case: Case) -> list:
    return [pytest.mark.expiry("continuation_token", prepare=partial(cases.prepare, case))]


@pytest.mark.parametrize("case", _params("expired", lambda case: ("R-TOKEN-EXPIRY", expired_row(case.step).id), _expiry))
def test_expired_token_is_refused(case, expired, verdict):
    """The step's right request sent after the token's lifetime has passed is answered with the step's expired_token row (§7.1: valid only for a limited time)."""
    reached, crid = expired()
    refusal = ((expired_row(case.step), "expired_token"),)
    checks.refused_one_of(verdict, reached.send(client_request_id=crid), "R-TOKEN-EXPIRY", refusal, {("expired_token", None)})
