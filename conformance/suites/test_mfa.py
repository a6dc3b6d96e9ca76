"""MFA and strong-authentication-method registration (api-reference.md §4 E7, §5, §2.1, §7.3).

Sign-in of an email+password user where the user flow enforces MFA: `mfa_required` → E7 → E5 with `id` → E6
`mfa_oob`, or `registration_required` → E8 → E9 → E10 → E6 `continuation_token`; without the capability advertised,
the redirect response. Codes are read for addresses the run knows, so the second factor is a user's own email,
registered by the run; the profile's MFA user (users[].mfa_methods) is used where no code is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conformance import checks, flows
from conformance.client import ApiResponse
from conformance.flows import Actor
from conformance.reach import REACH, CannotReach, mfa_user, password_grant
from conformance.session import Target
from conformance.suites._support import needs, pick_app
from conformance.target import Application

pytestmark = pytest.mark.mfa
BOTH = "mfa_required registration_required"


def _mfa_app(target: Target) -> Application:
    return pick_app(target.profile, auth_method="email_password", mfa=True)


def _profile_mfa_user(target: Target) -> tuple[str, str]:
    """(email, password) of the profile's user with a registered strong method; skips when the profile has none."""
    try:
        return mfa_user(target.profile)
    except CannotReach as exc:
        pytest.skip(f"target profile: {exc}")


def _sign_in(actor: Actor, target: Target, user: tuple[str, str], capabilities: str | None) -> ApiResponse:
    """The answer to the password grant of `user`, the app advertising `capabilities` at /oauth2/v2.0/initiate."""
    return password_grant(actor, target, capabilities=capabilities, user=user).send()


def _signed_up_advertising(actor: Actor, target: Target, capabilities: str) -> tuple[str, ApiResponse]:
    """A sign-up sending everything and `capabilities` to /signup/v1.0/start (§E1): the address and the E3 answer."""
    begun = REACH["E1"](actor, target)
    start = actor.expect(begun.send(capabilities=capabilities), "E1")
    challenge, code = actor.challenge_with_code(
        begun.address,
        lambda: actor.steps.signup_challenge(
            start.continuation_token or "", challenge_type=begun.form.get("challenge_type")
        ),
        "E2",
    )
    verified = actor.steps.signup_continue(challenge.continuation_token or "", "oob", oob=code)
    return begun.address, actor.expect(verified, "E3a")


def _registered_user(actor: Actor, target: Target) -> tuple[str, str]:
    """A new user who registered their own email as strong method (E6 registration_required → E8–E10 → E6)."""
    user = flows.sign_up(actor, target.new_address())
    answer = _sign_in(actor, target, (user.address, user.password or ""), BOTH)
    if not actor.verdict.equal(
        answer.suberror, "registration_required", "E6.invalid_grant.registration_required", "suberror"
    ):
        raise flows.FlowStopped(f"expected registration_required, got HTTP {answer.status} {answer.error}")
    registration = flows.register_method(actor, answer.continuation_token or "", user.address)
    scopes = list(actor.profile.scopes)
    token = registration.registered.continuation_token or ""
    actor.expect(actor.steps.token(token, "continuation_token", scope=scopes), "E6")
    return user.address, user.password or ""


@dataclass
class SecondFactor:
    """A user's way through the MFA loop up to the code: the mfa_required answer, E7's methods, E5's code challenge."""

    address: str
    mfa_required: ApiResponse
    introspected: ApiResponse
    challenged: ApiResponse
    code: str


def _second_factor(actor: Actor, target: Target) -> SecondFactor:
    """A user with their own email registered signs in again: mfa_required → E7 → E5 with the email method's `id`."""
    address, password = _registered_user(actor, target)
    answer = _sign_in(actor, target, (address, password), "mfa_required")
    introspected = actor.expect(actor.steps.signin_introspect(answer.continuation_token or ""), "E7")
    methods = introspected.json.get("methods") or []
    method = next((m for m in methods if isinstance(m, dict) and m.get("challenge_channel") == "email"), None)
    if method is None:
        actor.verdict.check(False, "E7", "the email method registered at /register/v1.0/continue is not listed")
        raise flows.FlowStopped("E7 did not list the registered email method")
    challenged, code = actor.challenge_with_code(
        address,
        lambda: actor.steps.signin_challenge(
            introspected.continuation_token or "", challenge_type="oob redirect", id=method.get("id")
        ),
        "E5",
    )
    return SecondFactor(address, answer, introspected, challenged, code)


@pytest.mark.requirement("E6.invalid_grant.mfa_required", "E7", "R-TOKEN-EVERY-STEP", "R-MFA-LOGIN-HINT-MASKED")
def test_mfa_required_leads_to_the_registered_methods(actor_for, target, verdict):
    """A user with a strong method who signs in with a password gets mfa_required with a token, and /oauth2/v2.0/introspect lists the methods masked (§E6, §E7)."""
    actor = actor_for(_mfa_app(target))
    user = _profile_mfa_user(target)
    answer = _sign_in(actor, target, user, "mfa_required")
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
    second = _second_factor(actor, target)
    checks.error_row(verdict, second.mfa_required, "E6.invalid_grant.mfa_required")
    checks.masked_login_hints(verdict, second.introspected, [second.address])
    checks.otp_challenge(
        verdict, second.challenged, address=second.address, code=second.code, code_length=actor.tenant.otp_length
    )
    scopes = list(target.profile.scopes)
    tokens = actor.steps.token(second.challenged.continuation_token or "", "mfa_oob", oob=second.code, scope=scopes)
    checks.token_response(verdict, tokens, scopes)
    if "id_token" in tokens.json:
        checks.id_token(verdict, tokens.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement("E6.invalid_grant.invalid_oob_value")
def test_a_wrong_second_factor_code_is_refused(actor_for, target, verdict):
    """A wrong code with grant_type=mfa_oob is refused as invalid_grant / invalid_oob_value (§E6)."""
    actor = actor_for(_mfa_app(target))
    second = _second_factor(actor, target)
    wrong = (
        second.code[:-1] + str((int(second.code[-1]) + 1) % 10)
        if second.code[-1:].isdigit()
        else "0" * len(second.code)
    )
    answer = actor.steps.token(
        second.challenged.continuation_token or "", "mfa_oob", oob=wrong, scope=list(target.profile.scopes)
    )
    checks.error_row(verdict, answer, "E6.invalid_grant.invalid_oob_value")


@pytest.mark.requirement("E6.invalid_grant.registration_required", "E8", "E9", "E10", "E6", "R-ID-TOKEN-SIGNED")
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_registration_required_registers_a_method(actor_for, target, verdict, jwks, channel):
    """A user without a strong method gets registration_required, registers an email address or a phone number (E8 → E9 → E10) and is signed in with grant_type=continuation_token (§5, §E6)."""
    app = _mfa_app(target)
    if channel == "sms":
        needs(app.tenant.sms_number is not None, "no tenant.sms_number whose SMS codes the OTP source reads")
    actor = actor_for(app)
    user = flows.sign_up(actor, target.new_address())
    destination = app.tenant.sms_number if channel == "sms" else user.address
    answer = _sign_in(actor, target, (user.address, user.password or ""), BOTH)
    checks.error_row(verdict, answer, "E6.invalid_grant.registration_required")
    registration = flows.register_method(actor, checks.continuation_token(verdict, answer), destination, channel)
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
    address, signed_up = _signed_up_advertising(actor, target, BOTH)
    scopes = list(target.profile.scopes)
    answer = actor.steps.token(signed_up.continuation_token or "", "continuation_token", username=address, scope=scopes)
    checks.error_row(verdict, answer, "E6.invalid_grant.registration_required")
    registration = flows.register_method(actor, checks.continuation_token(verdict, answer), address)
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
        user = _profile_mfa_user(target)
    else:
        signed_up = flows.sign_up(actor, target.new_address())
        user = (signed_up.address, signed_up.password or "")
    answer = _sign_in(actor, target, user, None)
    checks.redirect(verdict, answer, "R-CAPABILITY-FALLBACK")
    reason = answer.json.get("redirect_reason")
    if answer.is_redirect:
        verdict.check(
            isinstance(reason, str) and bool(reason.strip()),
            "R-REDIRECT-REASON",
            f"the token endpoint's redirect should say why in redirect_reason, got {reason!r}",
        )
