"""The walker: values sent per attribute type, applications picked by the features a rule needs, and the token
request reached through whatever first factor the profile's user flow has (conformance.walker)."""

from __future__ import annotations

import pytest
from harness_support import MAIN_APP, OTP_APP, one_flow

from conformance.client import NativeAuthClient
from conformance.profile import Attribute
from conformance.steps import NativeAuthSteps
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Actor, Lacking, reach
from conformance.walker.actor import attribute_value
from conformance.walker.features import EMAIL_OTP, MFA, NO_MFA, PASSWORD, SSPR, app_with


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        (Attribute("consent", "boolean", True), "true"),
        (Attribute("age", "int", True), "42"),
        (Attribute("zip", "int", True, regex="^[1-9][0-9]{4}$"), "98052"),
        (Attribute("born", "datetime", True), "2000-01-01T00:00:00Z"),
        (Attribute("name", "string", True, regex="^[^<>]{1,64}$"), "Casey Jensen"),
        (Attribute("lang", options=("Norwegian", "French"), input_type="SingleRadioSelect"), "Norwegian"),
    ],
)
def test_the_value_sent_follows_the_attribute_type(attribute: Attribute, value: str):
    assert attribute_value(attribute) == value


def test_an_application_is_picked_by_the_features_the_rule_needs(mock_target: Target):
    profile = mock_target.profile
    assert app_with(profile, SSPR, NO_MFA).name == "password-basic"
    assert app_with(profile, MFA).name == "main"
    assert app_with(profile, EMAIL_OTP).client_id == OTP_APP
    with pytest.raises(Lacking, match="no user flow with self-service password reset and sign-in without MFA"):
        app_with(one_flow(mock_target, MAIN_APP).profile, SSPR, NO_MFA)  # main has SSPR, but MFA too
    with pytest.raises(Lacking) as lacking:
        app_with(one_flow(mock_target, OTP_APP).profile, PASSWORD)
    assert lacking.value.reason == (
        'target profile: no user flow with e-mail + password sign-in (tenant.auth_method = "email_password")'
    )


def test_an_otp_only_tenant_reaches_the_token_request_with_the_otp_grant(mock_target: Target, api: NativeAuthClient):
    target = one_flow(mock_target, OTP_APP)
    verdict = Verdict()

    def actor_for(app) -> Actor:
        return Actor(NativeAuthSteps(api, app.client_id), target.otp, verdict, target.profile, app.tenant)

    reached = reach(actor_for, target, "E6")
    assert (reached.form["grant_type"], reached.form["oob"]) == ("oob", reached.code)
    assert reached.send().status == 200
    assert not verdict.findings
