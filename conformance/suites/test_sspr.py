"""Self-service password reset end to end (api-reference.md §6 and §2.1: E11 → E12 → E13 → E14 → E15 → E6).

Password-policy refusals at E14 (`password_too_weak`, `password_too_short`, …) are the `E14.invalid_grant.*` rows
that test_error_tables.py triggers; they are not repeated here. That a poll after `succeeded` is refused
(R-SSPR-POLL-AFTER-SUCCESS) is test_chaining.py's reuse case for E15.
"""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.chaining.refusals import invalid_token
from conformance.client import ApiResponse
from conformance.target import Target
from conformance.walker import Actor
from conformance.walker.actor import new_password
from conformance.walker.features import MFA, NO_MFA, SSPR, app_with
from conformance.walker.signin import sign_in
from conformance.walker.signup import SignUpOutcome, existing_user, sign_up
from conformance.walker.sspr import (
    PENDING_POLL,
    ResetOutcome,
    poll_interval,
    reset_password_outcome,
    sspr_continue,
    sspr_submit,
)

pytestmark = pytest.mark.sspr
MAX_RESET_TOKEN_LIFETIME_S = 600  # §E13: `expires_in` is at most 600 seconds


def _reset(actor: Actor, target: Target, *, capabilities: str | None = None) -> tuple[SignUpOutcome, str, ResetOutcome]:
    """A new user of the actor's user flow, whose password is then reset: (the sign-up, the new password, the reset)."""
    user = sign_up(actor, target.new_address())
    password = new_password()
    reset = reset_password_outcome(actor, user.address, password, target.waiter(), capabilities=capabilities)
    return user, password, reset


def _auto_sign_in(actor: Actor, reset: ResetOutcome) -> ApiResponse:
    """E6 with the `succeeded` poll's token and `grant_type=continuation_token`, without `username` (ERR-47)."""
    return actor.steps.token(
        reset.polled.continuation_token or "", "continuation_token", scope=list(actor.profile.scopes)
    )


@pytest.mark.requirement("E11", "E12", "E13", "E14", "E15", "R-TOKEN-EVERY-STEP", "R-SSPR-EXPIRES-IN", "R-SSPR-POLL")
def test_password_reset_completes(actor_for, target, verdict):
    """A reset goes start → code → verified code → new password → polled until `succeeded`, every step handing on a token (§2.1 SSPR, §E13–§E15)."""
    actor = actor_for(app_with(target.profile, SSPR))
    _, _, reset = _reset(actor, target)
    for answer in (reset.start, reset.challenge, reset.verified, reset.submitted):
        checks.continuation_token(verdict, answer)
    expires_in = reset.verified.json.get("expires_in")
    verdict.check(
        type(expires_in) is int and 0 < expires_in <= MAX_RESET_TOKEN_LIFETIME_S,
        "R-SSPR-EXPIRES-IN",
        f"expires_in must be 1..{MAX_RESET_TOKEN_LIFETIME_S} seconds, got {expires_in!r}",
    )
    interval = reset.submitted.json.get("poll_interval")
    verdict.check(
        type(interval) is int and interval > 0, "E14", f"poll_interval is not a number of seconds: {interval!r}"
    )
    verdict.equal(reset.polled.json.get("status"), "succeeded", "R-SSPR-POLL", "final poll status")
    checks.continuation_token(verdict, reset.polled, "R-SSPR-POLL")


@pytest.mark.requirement("E15", "R-SSPR-POLL-REPOLL")
def test_pending_poll_accepts_the_submit_token_again(actor_for, target, verdict):
    """While the reset is pending, E15 (poll_completion) accepts E14's token again, after `poll_interval`, as the client libraries send it (§E15, ERR-71; observed in MSAL JS, iOS and Android, so a WARNING)."""
    actor = actor_for(app_with(target.profile, SSPR))
    submitted = sspr_submit(actor, existing_user(actor, target)).expect()
    token = submitted.continuation_token or ""
    first = actor.expect(actor.steps.sspr_poll_completion(token), "E15")
    if first.json.get("status") not in PENDING_POLL:
        pytest.skip(f"the reset was over at the first poll ({first.json.get('status')!r}): nothing to poll again")
    crid = target.waiter()(poll_interval(submitted))
    again = actor.steps.with_request_id(crid).sspr_poll_completion(token)
    if verdict.check(
        again.status == 200 and not again.is_redirect,
        "R-SSPR-POLL-REPOLL",
        f"polling again with E14's token: expected HTTP 200 with a status, got HTTP {again.status} "
        f"{again.error or ''}",
    ):
        checks.schema(verdict, again)


@pytest.mark.requirement("E12", "R-OTP-MASKED-LABEL", "R-OTP-CODE-LENGTH")
def test_reset_code_is_emailed_to_a_masked_address(actor_for, target, verdict):
    """The reset challenge emails a code of the tenant's length, says so in `code_length` and names the address only obfuscated (§E12, §7.5)."""
    actor = actor_for(app_with(target.profile, SSPR))
    user = sign_up(actor, target.new_address())
    reached = sspr_continue(actor, (user.address, user.password))
    checks.otp_challenge(
        verdict, reached.trail["E12"], address=user.address, code=reached.code or "", code_length=actor.tenant.otp_length
    )


@pytest.mark.requirement("E6", "R-SSPR-POLL", "R-SCOPE-OPENID", "R-SCOPE-OFFLINE-ACCESS", "R-ID-TOKEN-SIGNED")
def test_auto_sign_in_after_reset(actor_for, target, verdict, jwks):
    """The token of the `succeeded` poll signs the user in with grant_type=continuation_token, no username needed (§E15, §E6, ERR-47)."""
    app = app_with(target.profile, SSPR, NO_MFA)
    actor = actor_for(app)
    user, _, reset = _reset(actor, target)
    answer = _auto_sign_in(actor, reset)
    checks.token_response(verdict, answer, target.profile.scopes)
    if "id_token" in answer.json:
        checks.id_token(verdict, answer.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement("E6", "E6.invalid_grant")
def test_reset_replaces_the_password(actor_for, target, verdict):
    """After a reset the new password signs in and the old one is refused as invalid credentials (§6, §E6)."""
    actor = actor_for(app_with(target.profile, SSPR, NO_MFA))
    user, password, _ = _reset(actor, target)
    scopes = list(target.profile.scopes)
    checks.token_response(verdict, sign_in(actor, user.address, password=password).token, scopes)
    old_password = sign_in(actor, user.address, password=user.password).token
    checks.error_row(verdict, old_password, "E6.invalid_grant", "invalid_credentials")


@pytest.mark.requirement("E11", "R-CAPABILITY-FALLBACK")
def test_auto_sign_in_after_reset_without_capabilities_falls_back(actor_for, target, verdict):
    """Where MFA applies, an app that did not advertise capabilities at reset start gets the redirect at auto sign-in (§E11, §7.3)."""
    actor = actor_for(app_with(target.profile, SSPR, MFA))
    _, _, reset = _reset(actor, target)
    answer = _auto_sign_in(actor, reset)
    checks.redirect(verdict, answer, "R-CAPABILITY-FALLBACK")


@pytest.mark.requirement("E11", "E6.invalid_grant.registration_required")
def test_auto_sign_in_after_reset_with_capabilities_asks_for_registration(actor_for, target, verdict):
    """Where MFA applies, a reset started with `capabilities` leads a user without a strong method to registration_required (§E11, §E6)."""
    actor = actor_for(app_with(target.profile, SSPR, MFA))
    _, _, reset = _reset(actor, target, capabilities="mfa_required registration_required")
    answer = _auto_sign_in(actor, reset)
    checks.error_row(verdict, answer, "E6.invalid_grant.registration_required")
    checks.continuation_token(verdict, answer)


@pytest.mark.requirement("R-TOKEN-STEP-SCOPED", "E15.invalid_request")
def test_polling_before_the_new_password_is_submitted_is_refused(actor_for, target, verdict):
    """The token E13 (`ssprContinue`) hands out is for E14 (`ssprSubmit`): presented to E15 (`ssprPollCompletion`) before any new password was submitted, it is refused with E15's invalid-token row, never answered `succeeded` (§2.1 SSPR, §7.1)."""
    actor = actor_for(app_with(target.profile, SSPR))
    verified = sspr_continue(actor, existing_user(actor, target))
    token = verified.expect().continuation_token or ""
    answer = actor.steps.sspr_poll_completion(token)
    checks.refused_one_of(verdict, answer, "R-TOKEN-STEP-SCOPED", invalid_token("E15"))
