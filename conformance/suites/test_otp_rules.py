"""One-time passcode rules (api-reference.md §7.5): what an OTP challenge answers, resending a code, and its lifetime.

A wrong code is the error-table row of each step (E3a/E6/E13 `invalid_grant.invalid_oob_value`), checked by
test_error_tables; here the code is the right one, only superseded or sent after its lifetime.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from conformance import checks
from conformance.contract import errors
from conformance.expiry import Kit
from conformance.target import Target
from conformance.walker import Feature, Reached, reach
from conformance.walker.features import EMAIL_OTP, app_with
from conformance.walker.routes import ActorFor
from conformance.walker.signin import signin_challenge
from conformance.walker.signup import existing_user

pytestmark = pytest.mark.rules


def _challenge(step: str) -> Callable[[ActorFor, Target], Reached]:
    """Reach the OTP challenge of `step` (E2, E12) as the documented flow reaches it."""
    return lambda actor_for, target: reach(actor_for, target, step)


def _signin_challenge(actor_for: ActorFor, target: Target) -> Reached:
    """Reach the first-factor OTP challenge (E5) of an e-mail OTP user."""
    actor = actor_for(app_with(target.profile, EMAIL_OTP))
    return signin_challenge(actor, existing_user(actor, target))


CHALLENGES = {"E2": _challenge("E2"), "E5": _signin_challenge, "E12": _challenge("E12")}


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(step, marks=pytest.mark.requirement(step, "R-OTP-CODE-LENGTH", "R-OTP-MASKED-LABEL"))
        for step in CHALLENGES
    ],
)
def test_otp_challenge_states_the_code_it_sent(actor_for, target, verdict, step):
    """An OTP challenge answers `oob`, binding `prompt`, channel `email`, a masked challenge_target_label and the code_length of the code it delivered (§7.5)."""
    reached = CHALLENGES[step](actor_for, target)
    answer, code = reached.actor.challenge_with_code(reached.address, reached.send, step)
    checks.otp_challenge(verdict, answer, address=reached.address, code=code, code_length=reached.actor.tenant.otp_length)
    checks.continuation_token(verdict, answer)


@pytest.mark.requirement("R-OTP-RESEND-INVALIDATES", "E6.invalid_grant.invalid_oob_value", "E5", "E6")
def test_resent_code_invalidates_the_previous_one(actor_for, target, verdict):
    """Calling E5 (`signinChallenge`) again sends a new code: the first code is refused with invalid_oob_value and the new one signs in (§7.5 resend, §E6)."""
    actor = actor_for(app_with(target.profile, EMAIL_OTP))
    steps, scopes = actor.steps, list(target.profile.scopes)
    challenged = signin_challenge(actor, existing_user(actor, target))
    address = challenged.address
    first, old_code = actor.challenge_with_code(address, challenged.send, "E5")
    resend = challenged.form["challenge_type"]
    resent, new_code = actor.challenge_with_code(
        address, lambda: steps.signin_challenge(first.continuation_token or "", challenge_type=resend), "E5"
    )
    verdict.check(new_code != old_code, "R-OTP-RESEND-INVALIDATES", "the resend delivered the same code again")
    token = resent.continuation_token or ""
    stale = steps.token(token, "oob", oob=old_code, scope=scopes)
    if verdict.check(stale.status != 200, "R-OTP-RESEND-INVALIDATES", "the first code still signs in after a resend"):
        checks.error_row(verdict, stale, "E6.invalid_grant.invalid_oob_value")
    checks.token_response(verdict, steps.token(token, "oob", oob=new_code, scope=scopes), scopes)


#: Steps that take a code (grant_type=oob), and what their rule needs of a user flow besides the step's own needs.
CODE_STEPS: dict[str, tuple[Feature, ...]] = {"E3a": (), "E6": (EMAIL_OTP,), "E13": ()}


def _code_request(step: str, kit: Kit) -> Reached:
    """The request of `step` with the code just sent (the `expiry` marker's `prepare`)."""
    return reach(kit.actor_for, kit.target, step, CODE_STEPS[step])


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(
            step,
            marks=[
                pytest.mark.requirement("R-OTP-EXPIRY", f"{step}.invalid_grant.invalid_oob_value"),
                pytest.mark.expiry("otp", prepare=partial(_code_request, step)),
            ],
        )
        for step in CODE_STEPS
    ],
)
def test_expired_code_is_refused(step, expired, verdict):
    """A one-time passcode sent after its lifetime (the profile's limits.otp_lifetime_s) is refused: invalid_grant / invalid_oob_value, or expired_token once the continuation token has expired too (§7.5; S12 E13, S13 E3a: an expired code fails the step)."""
    reached, crid = expired()
    table = errors.table()
    refusals = ((table.get(f"{step}.invalid_grant.invalid_oob_value"), "wrong_otp"),
                (table.get(f"{step}.expired_token"), "expired_token"))
    answer = reached.send(client_request_id=crid)
    checks.refused_one_of(verdict, answer, "R-OTP-EXPIRY", refusals, {(row.error, row.suberror) for row, _ in refusals})
