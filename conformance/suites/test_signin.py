"""Sign-in end to end (api-reference.md §2.1 and §4: E4 → E5 → E6) and the refresh grant linked from E6.

Each test signs up a fresh user of the application's user flow first, so it needs nothing of the tenant but an
application; a wrong password or code is an error-table row (E6.invalid_grant, E6.invalid_grant.invalid_oob_value),
checked by test_error_tables.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from conformance import checks
from conformance.expiry import Kit
from conformance.profile import Application
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Actor, Reached, reach
from conformance.walker.features import EMAIL_OTP, NO_MFA, PASSWORD, app_with, needs
from conformance.walker.signin import SignInAnswers, refresh_grant, sign_in
from conformance.walker.signup import existing_user, sign_up

pytestmark = pytest.mark.signin


def _signed_in(actor: Actor, target: Target, scopes: list[str] | None = None) -> tuple[str, SignInAnswers]:
    """A fresh user of the actor's user flow, signed in with its password, or its emailed code in an OTP flow."""
    outcome = sign_up(actor, target.new_address())
    return outcome.address, sign_in(actor, outcome.address, password=outcome.password, scopes=scopes)


def _check_tokens(
    verdict: Verdict, answers: SignInAnswers, app: Application, jwks: dict[str, Any], scopes: list[str]
) -> None:
    """E4 and E5 hand on a token, E6 answers the documented token response with a verifiable id_token."""
    checks.continuation_token(verdict, answers.initiate)
    checks.continuation_token(verdict, answers.challenge)
    checks.token_response(verdict, answers.token, scopes)
    for answer in (answers.initiate, answers.challenge, answers.token):
        checks.correlation(verdict, answer)
    if "id_token" in answers.token.json:
        checks.id_token(verdict, answers.token.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement(
    "E4", "E5", "E6", "R-TOKEN-EVERY-STEP", "R-SCOPE-OPENID", "R-SCOPE-OFFLINE-ACCESS", "R-ID-TOKEN-SIGNED"
)
def test_sign_in_with_password(actor_for, target, verdict, jwks):
    """An email+password user signs in with initiate, a `password` challenge and grant_type=password, getting Bearer tokens and an id_token signed by a key of the tenant's JWKS (§E4, §E5, §E6)."""
    app = app_with(target.profile, PASSWORD, NO_MFA)
    scopes = list(target.profile.scopes)
    address, answers = _signed_in(actor_for(app), target, scopes)
    verdict.equal(answers.challenge.json.get("challenge_type"), "password", "E5", "challenge_type")
    _check_tokens(verdict, answers, app, jwks, scopes)


@pytest.mark.requirement("E6", "R-CLIENT-INFO")
def test_token_answer_carries_client_info_when_asked(actor_for, target, verdict):
    """A token request with client_info=1, as MSAL sends every one, is answered with client_info: base64url JSON naming the user (uid, the id_token's oid) and the tenant (utid, its tid) (§E6; observed in MSAL JS, not documented, so a WARNING)."""
    reached = reach(actor_for, target, "E6")
    scope = " ".join(dict.fromkeys(["openid", *(reached.form.get("scope") or "").split()]))
    checks.client_info(verdict, reached.send(client_info="1", scope=scope))


@pytest.mark.requirement(
    "E4", "E5", "E6", "R-OTP-CODE-LENGTH", "R-OTP-MASKED-LABEL", "R-TOKEN-EVERY-STEP", "R-ID-TOKEN-SIGNED"
)
def test_sign_in_with_email_otp(actor_for, target, verdict, jwks):
    """An email-OTP user signs in with initiate, an `oob` challenge that emails a code of `code_length` digits to a masked label, and grant_type=oob (§E5, §E6, §7.5)."""
    app = app_with(target.profile, EMAIL_OTP, NO_MFA)
    scopes = list(target.profile.scopes)
    address, answers = _signed_in(actor_for(app), target, scopes)
    checks.otp_challenge(
        verdict, answers.challenge, address=address, code=answers.code or "", code_length=app.tenant.otp_length
    )
    _check_tokens(verdict, answers, app, jwks, scopes)


@pytest.mark.requirement("R-REFRESH", "E6", "R-SCOPE-OFFLINE-ACCESS", "R-ID-TOKEN-SIGNED")
def test_refresh_token_is_redeemed_for_new_tokens(actor_for, target, verdict, jwks):
    """The refresh_token of a sign-in with offline_access, sent with grant_type=refresh_token, yields a new token response (§2 refresh_token, §E6)."""
    scopes = list(target.profile.scopes)
    needs("offline_access" in scopes, "scopes lacks offline_access, so no refresh token is issued")
    app = app_with(target.profile, NO_MFA)
    actor = actor_for(app)
    address, answers = _signed_in(actor, target, scopes)
    refresh_token = answers.token.json.get("refresh_token")
    if not verdict.check(bool(refresh_token), "R-SCOPE-OFFLINE-ACCESS", "sign-in with offline_access gave no refresh_token"):
        return
    renewed = actor.steps.refresh(refresh_token, scope=scopes)
    checks.success(verdict, renewed, "R-REFRESH")
    checks.token_response(verdict, renewed, scopes)
    if "id_token" in renewed.json:
        checks.id_token(verdict, renewed.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement("G-token.invalid_grant", "R-REFRESH")
def test_unknown_refresh_token_is_refused(actor_for, target, verdict):
    """A refresh token the tenant never issued is refused with invalid_grant of the generic token-issuance table (Seed002, §2 refresh_token)."""
    actor = actor_for(app_with(target.profile))
    answer = actor.steps.refresh(secrets.token_urlsafe(48), scope=list(target.profile.scopes))
    checks.error_row(verdict, answer, "G-token.invalid_grant")


def _refresh_request(kit: Kit) -> Reached:
    """A refresh-token redemption of a fresh sign-in with offline_access (the `expiry` marker's `prepare`)."""
    needs("offline_access" in kit.target.profile.scopes, "scopes lacks offline_access, so no refresh token is issued")
    actor = kit.actor_for(app_with(kit.target.profile, NO_MFA))
    return refresh_grant(actor, existing_user(actor, kit.target))


@pytest.mark.expiry("refresh_token", prepare=_refresh_request)
@pytest.mark.requirement("G-token.invalid_grant", "R-REFRESH")
def test_expired_refresh_token_is_refused(expired, verdict):
    """A refresh token redeemed after its lifetime (the profile's limits.refresh_token_lifetime_s; the native-auth docs give none) is refused with invalid_grant of the generic token-issuance table (Seed002: an expired refresh token)."""
    reached, crid = expired()
    checks.error_row(verdict, reached.send(client_request_id=crid), "G-token.invalid_grant")
