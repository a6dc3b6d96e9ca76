"""Sign-up flows end to end (api-reference.md §2.1 and §3: E1 → E2 → E3 → E6)."""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.suites.tables import METHODS
from conformance.walker.features import ATTRIBUTES, NO_MFA, PASSWORD, app_with
from conformance.walker.signup import password_for, sign_up, signup_start

pytestmark = pytest.mark.signup


@METHODS
@pytest.mark.requirement("E1", "E2", "E3a", "R-TOKEN-EVERY-STEP")
def test_sign_up_with_everything_at_start(actor_for, target, verdict, method):
    """A sign-up that sends its credential and attributes to E1 (`signupStart`) completes once the emailed code is verified (§2.1)."""
    actor = actor_for(app_with(target.profile, method))
    outcome = sign_up(actor, target.new_address())
    verdict.equal([d.error for d in outcome.detours], [], "E3a", "flow-control errors after all was sent at start")
    checks.continuation_token(verdict, outcome.response)


@pytest.mark.requirement("E3a.credential_required", "E3b", "R-TOKEN-EVERY-STEP")
def test_sign_up_asks_for_the_password_when_not_sent_at_start(actor_for, target, verdict):
    """Without a password at start, E3a (`signupContinue`) answers credential_required with a token, then takes the password (§E3a, §E3b)."""
    actor = actor_for(app_with(target.profile, PASSWORD))
    outcome = sign_up(actor, target.new_address(), password_at_start=False)
    detour = next((d for d in outcome.detours if d.error == "credential_required"), None)
    if verdict.check(detour is not None, "E3a.credential_required", "no credential_required on the way"):
        checks.error_row(verdict, detour, "E3a.credential_required")
        checks.continuation_token(verdict, detour)
    checks.continuation_token(verdict, outcome.response)


@METHODS
@pytest.mark.requirement("E3a.attributes_required", "E3c", "R-TOKEN-EVERY-STEP")
def test_sign_up_asks_for_required_attributes_not_sent_at_start(actor_for, target, verdict, method):
    """Required attributes not sent at start are asked for with attributes_required and taken by grant_type=attributes (§E3a, §E3c, §7.4)."""
    actor = actor_for(app_with(target.profile, method, ATTRIBUTES))
    outcome = sign_up(actor, target.new_address(), attributes_at_start=False)
    detour = next((d for d in outcome.detours if d.error == "attributes_required"), None)
    if verdict.check(detour is not None, "E3a.attributes_required", "no attributes_required on the way"):
        asked = {item.get("name") for item in detour.json.get("required_attributes", [])}
        required = {a.name for a in actor.tenant.attributes if a.required}
        verdict.equal(asked, required, "E3a.attributes_required", "names in required_attributes")
        checks.continuation_token(verdict, detour)
    checks.continuation_token(verdict, outcome.response)


@METHODS
@pytest.mark.requirement("E6", "R-SCOPE-OPENID", "R-SCOPE-OFFLINE-ACCESS", "R-ID-TOKEN-SIGNED")
def test_auto_sign_in_after_sign_up(actor_for, target, verdict, jwks, method):
    """The token of the last successful sign-up step signs the new user in with grant_type=continuation_token (§E3c step 5, §E6)."""
    app = app_with(target.profile, method, NO_MFA)
    actor = actor_for(app)
    address = target.new_address()
    outcome = sign_up(actor, address)
    scopes = list(target.profile.scopes)
    answer = actor.steps.token(
        outcome.response.continuation_token or "", "continuation_token", username=address, scope=scopes
    )
    checks.token_response(verdict, answer, scopes)
    if "id_token" in answer.json:
        checks.id_token(verdict, answer.json["id_token"], jwks, client_id=app.client_id)


@pytest.mark.requirement("E1.user_already_exists")
def test_signing_up_twice_is_refused(actor, target, verdict):
    """A second sign-up for an address that already has an account answers user_already_exists (§E1)."""
    address = target.new_address()
    sign_up(actor, address)
    again = signup_start(actor, address, password=password_for(actor)).send()
    checks.error_row(verdict, again, "E1.user_already_exists")
