"""One-time passcode rules (api-reference.md §7.5): what an OTP challenge answers, and resending a code.

A wrong code is the error-table row of each step (E3a/E6/E13 `invalid_grant.invalid_oob_value`), checked by
test_error_tables; here the code is the right one, only superseded.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance import checks, flows
from conformance.client import ApiResponse
from conformance.flows import Actor
from conformance.reach import CannotReach, reach
from conformance.session import Target
from conformance.suites._support import pick_app
from conformance.target import Application

pytestmark = pytest.mark.rules
ActorFor = Callable[[Application], Actor]
Challenged = tuple[ApiResponse, str, str, int]  # answer, code delivered, address, the tenant's OTP length


def _reached_challenge(step: str) -> Callable[[ActorFor, Target], Challenged]:
    """Send the OTP challenge of `step` (E2, E12) as the documented flow reaches it."""

    def challenge(actor_for: ActorFor, target: Target) -> Challenged:
        try:
            reached = reach(actor_for, target, step)
        except CannotReach as exc:
            pytest.skip(f"target profile: {exc}")
        answer, code = reached.actor.challenge_with_code(reached.address, reached.send, step)
        return answer, code, reached.address, reached.actor.tenant.otp_length

    return challenge


def _signin_challenge(actor_for: ActorFor, target: Target) -> Challenged:
    """Send the first-factor OTP challenge (E5) of an email-OTP user."""
    app = pick_app(target.profile, auth_method="email_otp")
    actor = actor_for(app)
    address = flows.sign_up(actor, target.new_address()).address
    answers = flows.sign_in_answers(actor, address)
    return answers.challenge, answers.code or "", address, app.tenant.otp_length


CHALLENGES = {"E2": _reached_challenge("E2"), "E5": _signin_challenge, "E12": _reached_challenge("E12")}


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(step, marks=pytest.mark.requirement(step, "R-OTP-CODE-LENGTH", "R-OTP-MASKED-LABEL"))
        for step in CHALLENGES
    ],
)
def test_otp_challenge_states_the_code_it_sent(actor_for, target, verdict, step):
    """An OTP challenge answers `oob`, binding `prompt`, channel `email`, a masked challenge_target_label and the code_length of the code it delivered (§7.5)."""
    answer, code, address, otp_length = CHALLENGES[step](actor_for, target)
    checks.otp_challenge(verdict, answer, address=address, code=code, code_length=otp_length)
    checks.continuation_token(verdict, answer)


@pytest.mark.requirement("R-OTP-RESEND-INVALIDATES", "E6.invalid_grant.invalid_oob_value", "E5", "E6")
def test_resent_code_invalidates_the_previous_one(actor_for, target, verdict):
    """Calling /oauth2/v2.0/challenge again sends a new code: the first code is refused with invalid_oob_value and the new one signs in (§7.5 resend, §E6)."""
    app = pick_app(target.profile, auth_method="email_otp")
    actor = actor_for(app)
    steps, scopes = actor.steps, list(target.profile.scopes)
    address = flows.sign_up(actor, target.new_address()).address
    initiate = actor.expect(steps.signin_initiate(address, challenge_type=flows.challenge_types(app.tenant)), "E4")
    first, old_code = actor.challenge_with_code(
        address, lambda: steps.signin_challenge(initiate.continuation_token or "", challenge_type="oob redirect"), "E5"
    )
    resent, new_code = actor.challenge_with_code(
        address, lambda: steps.signin_challenge(first.continuation_token or "", challenge_type="oob redirect"), "E5"
    )
    verdict.check(new_code != old_code, "R-OTP-RESEND-INVALIDATES", "the resend delivered the same code again")
    token = resent.continuation_token or ""
    stale = steps.token(token, "oob", oob=old_code, scope=scopes)
    if verdict.check(stale.status != 200, "R-OTP-RESEND-INVALIDATES", "the first code still signs in after a resend"):
        checks.error_row(verdict, stale, "E6.invalid_grant.invalid_oob_value")
    checks.token_response(verdict, steps.token(token, "oob", oob=new_code, scope=scopes), scopes)
