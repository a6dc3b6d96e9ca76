"""Self-service password reset end to end (api-reference.md §6 and §2.1: E11 → E12 → E13 → E14 → E15 → E6).

Password-policy refusals at E14 (`password_too_weak`, `password_too_short`, …) are the `E14.invalid_grant.*` rows
that test_error_tables.py triggers; they are not repeated here. That a poll after `succeeded` is refused
(R-SSPR-POLL-AFTER-SUCCESS) is test_chaining.py's reuse case for E15.
"""

from __future__ import annotations

import pytest

from conformance import checks, flows, reach
from conformance.client import ApiResponse
from conformance.flows import Actor, ResetOutcome, SignUpOutcome
from conformance.session import Target
from conformance.suites._support import pick_app

pytestmark = pytest.mark.sspr
MAX_RESET_TOKEN_LIFETIME_S = 600  # §E13: `expires_in` is at most 600 seconds


def _reset(actor: Actor, target: Target, *, capabilities: str | None = None) -> tuple[SignUpOutcome, str, ResetOutcome]:
    """A new user of the actor's user flow, whose password is then reset: (the sign-up, the new password, the reset)."""
    user = flows.sign_up(actor, target.new_address())
    password = flows.new_password()
    reset = flows.reset_password_outcome(actor, user.address, password, target.waiter(), capabilities=capabilities)
    return user, password, reset


def _auto_sign_in(actor: Actor, reset: ResetOutcome) -> ApiResponse:
    """E6 with the `succeeded` poll's token and `grant_type=continuation_token`, without `username` (ERR-47)."""
    return actor.steps.token(
        reset.polled.continuation_token or "", "continuation_token", scope=list(actor.profile.scopes)
    )


@pytest.mark.requirement("E11", "E12", "E13", "E14", "E15", "R-TOKEN-EVERY-STEP", "R-SSPR-EXPIRES-IN", "R-SSPR-POLL")
def test_password_reset_completes(actor_for, target, verdict):
    """A reset goes start → code → verified code → new password → polled until `succeeded`, every step handing on a token (§2.1 SSPR, §E13–§E15)."""
    actor = actor_for(pick_app(target.profile, auth_method="email_password", sspr=True))
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
    """While the reset is pending, poll_completion accepts the /submit token again, after `poll_interval`, as the client libraries send it (§E15, ERR-71; observed in MSAL JS, iOS and Android, so a WARNING)."""
    actor = actor_for(pick_app(target.profile, auth_method="email_password", sspr=True))
    submitted = actor.expect(reach.REACH["E14"](actor, target).send(), "E14")
    token = submitted.continuation_token or ""
    first = actor.expect(actor.steps.sspr_poll_completion(token), "E15")
    if first.json.get("status") not in flows.PENDING_POLL:
        pytest.skip(f"the reset was over at the first poll ({first.json.get('status')!r}): nothing to poll again")
    crid = target.waiter()(flows.poll_interval(submitted))
    again = actor.steps.with_request_id(crid).sspr_poll_completion(token)
    if verdict.check(
        again.status == 200 and not again.is_redirect,
        "R-SSPR-POLL-REPOLL",
        f"polling again with the /submit token: expected HTTP 200 with a status, got HTTP {again.status} "
        f"{again.error or ''}",
    ):
        checks.schema(verdict, again)


@pytest.mark.requirement("E12", "R-OTP-MASKED-LABEL", "R-OTP-CODE-LENGTH")
def test_reset_code_is_emailed_to_a_masked_address(actor_for, target, verdict):
    """The reset challenge emails a code of the tenant's length, says so in `code_length` and names the address only obfuscated (§E12, §7.5)."""
    actor = actor_for(pick_app(target.profile, auth_method="email_password", sspr=True))
    user = flows.sign_up(actor, target.new_address())
    start = actor.expect(actor.steps.sspr_start(user.address), "E11")
    challenge, code = actor.challenge_with_code(
        user.address, lambda: actor.steps.sspr_challenge(start.continuation_token or ""), "E12"
    )
    checks.otp_challenge(verdict, challenge, address=user.address, code=code, code_length=actor.tenant.otp_length)


@pytest.mark.requirement("E6", "R-SSPR-POLL", "R-SCOPE-OPENID", "R-SCOPE-OFFLINE-ACCESS", "R-ID-TOKEN-SIGNED")
def test_auto_sign_in_after_reset(actor_for, target, verdict, jwks):
    """The token of the `succeeded` poll signs the user in with grant_type=continuation_token, no username needed (§E15, §E6, ERR-47)."""
    app = pick_app(target.profile, auth_method="email_password", sspr=True, mfa=False)
    actor = actor_for(app)
    user, _, reset = _reset(actor, target)
    answer = _auto_sign_in(actor, reset)
    checks.token_response(verdict, answer, target.profile.scopes)
    if "id_token" in answer.json:
        checks.id_token(verdict, answer.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement("E6", "E6.invalid_grant")
def test_reset_replaces_the_password(actor_for, target, verdict):
    """After a reset the new password signs in and the old one is refused as invalid credentials (§6, §E6)."""
    actor = actor_for(pick_app(target.profile, auth_method="email_password", sspr=True, mfa=False))
    user, password, _ = _reset(actor, target)
    scopes = list(target.profile.scopes)
    checks.token_response(verdict, flows.sign_in(actor, user.address, password=password), scopes)
    old_password = flows.sign_in(actor, user.address, password=user.password)
    checks.error_row(verdict, old_password, "E6.invalid_grant", "invalid_credentials")


@pytest.mark.requirement("E11", "R-CAPABILITY-FALLBACK")
def test_auto_sign_in_after_reset_without_capabilities_falls_back(actor_for, target, verdict):
    """Where MFA applies, an app that did not advertise capabilities at reset start gets the redirect at auto sign-in (§E11, §7.3)."""
    actor = actor_for(pick_app(target.profile, auth_method="email_password", sspr=True, mfa=True))
    _, _, reset = _reset(actor, target)
    answer = _auto_sign_in(actor, reset)
    checks.redirect(verdict, answer, "R-CAPABILITY-FALLBACK")


@pytest.mark.requirement("E11", "E6.invalid_grant.registration_required")
def test_auto_sign_in_after_reset_with_capabilities_asks_for_registration(actor_for, target, verdict):
    """Where MFA applies, a reset started with `capabilities` leads a user without a strong method to registration_required (§E11, §E6)."""
    actor = actor_for(pick_app(target.profile, auth_method="email_password", sspr=True, mfa=True))
    _, _, reset = _reset(actor, target, capabilities="mfa_required registration_required")
    answer = _auto_sign_in(actor, reset)
    checks.error_row(verdict, answer, "E6.invalid_grant.registration_required")
    checks.continuation_token(verdict, answer)
