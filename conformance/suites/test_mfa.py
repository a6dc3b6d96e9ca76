"""MFA and strong-authentication-method registration (api-reference.md §4 E7, §5, §2.1, §7.3).

Sign-in of an email+password user where the user flow enforces MFA: `mfa_required` → E7 → E5 with `id` → E6
`mfa_oob`, or `registration_required` → E8 → E9 → E10 → E6 `continuation_token`; without the capability advertised,
the redirect response. Codes are read for addresses the run knows, so the second factor is a user's own email,
registered by the run; the profile's MFA user (users[].mfa_methods) is used where no code is needed.
"""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.client import ApiResponse
from conformance.profile import Application
from conformance.target import Target
from conformance.walker import Actor, User
from conformance.walker.features import MFA, PASSWORD, app_with, needs
from conformance.walker.mfa import (
    all_capabilities,
    mfa_user,
    register_introspect,
    register_method,
    registration_required,
    second_factor,
)
from conformance.walker.signin import password_grant
from conformance.walker.signup import after_sign_up, sign_up

pytestmark = pytest.mark.mfa


def _mfa_app(target: Target) -> Application:
    return app_with(target.profile, MFA, PASSWORD)


def _sign_in(actor: Actor, user: User, capabilities: str | None) -> ApiResponse:
    """The answer to the password grant of `user`, the app advertising `capabilities` at E4 (sign-in initiate)."""
    return password_grant(actor, user, capabilities=capabilities).send()


@pytest.mark.requirement("E6.invalid_grant.mfa_required", "E7", "R-TOKEN-EVERY-STEP", "R-MFA-LOGIN-HINT-MASKED")
def test_mfa_required_leads_to_the_registered_methods(actor_for, target, verdict):
    """A user with a strong method who signs in with a password gets mfa_required with a token, and E7 (`signinIntrospect`) lists the methods masked (§E6, §E7)."""
    actor = actor_for(_mfa_app(target))
    user = mfa_user(target.profile)
    answer = _sign_in(actor, user, "mfa_required")
    checks.error_row(verdict, answer, "E6.invalid_grant.mfa_required")
    introspected = actor.expect(actor.steps.signin_introspect(checks.continuation_token(verdict, answer)), "E7")
    checks.continuation_token(verdict, introspected)
    methods = introspected.json.get("methods") or []
    channels = {method.get("challenge_channel") for method in methods}
    listed = next(u for u in target.profile.users if u.email == user[0]).mfa_methods
    verdict.check(
        set(listed) <= channels,
        "E7",
        f"methods list channels {sorted(map(str, channels))}, not all of {sorted(listed)}",
    )
    checks.masked_login_hints(verdict, introspected, [user[0]])


@pytest.mark.requirement(
    "E6.invalid_grant.mfa_required",
    "E7",
    "E5",
    "E6",
    "R-OTP-MASKED-LABEL",
    "R-OTP-CODE-LENGTH",
    "R-MFA-LOGIN-HINT-MASKED",
    "R-ID-TOKEN-SIGNED",
)
def test_sign_in_with_the_second_factor(actor_for, target, verdict, jwks):
    """mfa_required → introspect → challenge with the method's `id` → token with grant_type=mfa_oob and the code issues tokens (§2.1, §E7, §E5, §E6)."""
    app = _mfa_app(target)
    actor = actor_for(app)
    second = second_factor(actor, target)
    checks.error_row(verdict, second.trail["E6"], "E6.invalid_grant.mfa_required")
    checks.masked_login_hints(verdict, second.trail["E7"], [second.address])
    checks.otp_challenge(
        verdict, second.trail["E5"], address=second.address, code=second.code or "", code_length=actor.tenant.otp_length
    )
    scopes = list(target.profile.scopes)
    tokens = second.send()
    checks.token_response(verdict, tokens, scopes)
    if "id_token" in tokens.json:
        checks.id_token(verdict, tokens.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement("E6.invalid_grant.invalid_oob_value")
def test_a_wrong_second_factor_code_is_refused(actor_for, target, verdict):
    """A wrong code with grant_type=mfa_oob is refused as invalid_grant / invalid_oob_value (§E6)."""
    second = second_factor(actor_for(_mfa_app(target)), target)
    code = second.code or ""
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10) if code[-1:].isdigit() else "0" * len(code)
    answer = second.send(oob=wrong)
    checks.error_row(verdict, answer, "E6.invalid_grant.invalid_oob_value")


@pytest.mark.requirement("E6.invalid_grant.registration_required", "E8", "E9", "E10", "E6", "R-ID-TOKEN-SIGNED")
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_registration_required_registers_a_method(actor_for, target, verdict, jwks, channel):
    """A user without a strong method gets registration_required, registers an email address or a phone number (E8 → E9 → E10) and is signed in with grant_type=continuation_token (§5, §E6)."""
    app = _mfa_app(target)
    if channel == "sms":
        needs(app.tenant.sms_number is not None, "no tenant.sms_number whose SMS codes the OTP source reads")
    actor = actor_for(app)
    user = sign_up(actor, target.new_address())
    destination = app.tenant.sms_number if channel == "sms" else user.address
    registration = register_method(
        register_introspect(actor, (user.address, user.password), capabilities=all_capabilities()), destination, channel
    )
    checks.error_row(verdict, registration.required, "E6.invalid_grant.registration_required")
    offered = {m.get("id"): m for m in registration.introspected.json.get("methods") or []}
    verdict.check(channel in offered, "E8", f"no method with id {channel!r} offered: {sorted(map(str, offered))}")
    challenged = registration.challenged.json
    if challenged.get("challenge_type") == "oob":
        verdict.equal(challenged.get("challenge_target"), destination, "E9", "challenge_target (echo of the request)")
        verdict.equal(challenged.get("challenge_channel"), channel, "E9", "challenge_channel")
    for step in (registration.introspected, registration.challenged, registration.registered):
        checks.continuation_token(verdict, step)
    scopes = list(target.profile.scopes)
    tokens = actor.steps.token(registration.registered.continuation_token or "", "continuation_token", scope=scopes)
    checks.token_response(verdict, tokens, scopes)
    if "id_token" in tokens.json:
        checks.id_token(verdict, tokens.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement("E6.invalid_grant.registration_required", "R-REGISTER-PREVERIFIED", "E10", "E6")
def test_registering_the_email_verified_at_sign_up_is_preverified(actor_for, target, verdict):
    """After a sign-up advertising registration_required, registering the email it verified answers preverified and needs no code (§E9 Success B, §E10)."""
    actor = actor_for(_mfa_app(target))
    auto = after_sign_up(actor, target, capabilities=all_capabilities())
    scopes = list(target.profile.scopes)
    answer = auto.send()
    checks.error_row(verdict, answer, "E6.invalid_grant.registration_required")
    checks.continuation_token(verdict, answer)
    registration = register_method(registration_required(auto, answer))
    challenged = registration.challenged.json
    verdict.equal(challenged.get("challenge_type"), "preverified", "R-REGISTER-PREVERIFIED", "E9 challenge_type")
    if challenged.get("challenge_type") == "preverified":
        extra = sorted(set(challenged) & {"binding_method", "challenge_channel", "code_length", "challenge_target"})
        verdict.equal(extra, [], "R-REGISTER-PREVERIFIED", "code-challenge fields on the preverified answer")
    tokens = actor.steps.token(registration.registered.continuation_token or "", "continuation_token", scope=scopes)
    checks.token_response(verdict, tokens, scopes)


@pytest.mark.parametrize(
    "needs",
    [pytest.param("registration_required", id="unregistered-user"), pytest.param("mfa_required", id="registered-user")],
)
@pytest.mark.requirement("R-CAPABILITY-FALLBACK", "R-REDIRECT-REASON", "E6")
def test_sign_in_without_the_capability_falls_back_to_redirect(actor_for, target, verdict, needs):
    """When MFA or registration is needed but the app advertised neither capability, the token endpoint answers the redirect with its redirect_reason (§7.3, §1.2)."""
    actor = actor_for(_mfa_app(target))
    if needs == "mfa_required":
        user = mfa_user(target.profile)
    else:
        signed_up = sign_up(actor, target.new_address())
        user = (signed_up.address, signed_up.password)
    answer = _sign_in(actor, user, None)
    checks.redirect(verdict, answer, "R-CAPABILITY-FALLBACK")
    reason = answer.json.get("redirect_reason")
    if answer.is_redirect:
        verdict.check(
            isinstance(reason, str) and bool(reason.strip()),
            "R-REDIRECT-REASON",
            f"the token endpoint's redirect should say why in redirect_reason, got {reason!r}",
        )
