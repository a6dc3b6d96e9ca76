"""Every documented flow end to end against the in-process mock, walked as the suites walk them; every answer is
schema-validated as it arrives (`MockApi`)."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from mock_support import (
    AVERY,
    BASIC_APP,
    CAPS,
    CASEY,
    CASEY_MFA_EMAIL,
    CASEY_PASSWORD,
    CASEY_PHONE,
    OTP_APP,
    PASSWORD_APP,
    ROBIN,
    ROBIN_PASSWORD,
    SMS,
    MockApi,
    fresh_email,
)

from conformance.contract import openapi
from conformance.contract.vocabulary import usage
from conformance.walker import mfa, signin, signup, sspr


def test_signup_email_otp_with_attributes_at_start(api: MockApi) -> None:
    """Sign-up with email OTP: E1 → E2 (OTP emailed) → E3a → E6 continuation_token (api-reference.md §2.1, §3); an
    attribute the user flow does not collect is ignored."""
    actor, email = api.actor(OTP_APP), fresh_email()
    begun = signup.signup_start(actor, email)
    answer = begun.send(attributes=json.dumps({"displayName": "Quinn", "unknownAttribute": "ignored"}))
    challenged, code = actor.challenge_with_code(
        email, lambda: actor.steps.signup_challenge(answer.continuation_token or ""), "E2"
    )
    done = actor.expect(actor.steps.signup_continue(challenged.continuation_token or "", "oob", oob=code), "E3a")
    tokens = api.tokens(OTP_APP, done.continuation_token, username=email)
    assert tokens["token_type"] == "Bearer" and {"id_token", "refresh_token"} <= tokens.keys()
    assert len(code) == 8 and code.isdigit()


def test_signup_otp_asks_for_required_attributes(api: MockApi) -> None:
    """Required attributes not sent on E1 are asked for with `attributes_required` → E3c (§3 E3b, E3c)."""
    verified, body = signup.detour(api.actor(OTP_APP), fresh_email(), "attributes_required", attributes=False)
    assert [a["name"] for a in body.json["required_attributes"]] == ["displayName"]
    assert body.json["required_attributes"][0]["options"] == {"regex": "^[^<>]{1,64}$"}
    done = api.ok("signupContinue", client_id=OTP_APP, continuation_token=body.continuation_token,
                  grant_type="attributes", attributes=json.dumps({"displayName": "Quinn"}))
    assert "access_token" in api.tokens(OTP_APP, done["continuation_token"])


def test_signup_password_at_start(api: MockApi) -> None:
    """Email+password sign-up with password and attributes on E1 completes at E3a (§3 E3a scenario table)."""
    outcome = signup.sign_up(api.actor(BASIC_APP), fresh_email())
    assert outcome.detours == [] and outcome.password is not None
    assert "access_token" in api.tokens(BASIC_APP, outcome.response.continuation_token)


def test_signup_password_via_credential_required(api: MockApi) -> None:
    """Without a password on E1: E3a `credential_required` → E2 password challenge → E3b → attributes → E6 (§3)."""
    challenge = signup.credential_challenge(api.actor(BASIC_APP), api.target, attributes=False)
    assert challenge.trail["E3a"].error == "credential_required"
    assert challenge.form["challenge_type"] == "password redirect"
    chosen = challenge.expect()
    assert chosen.json["challenge_type"] == "password"
    body = api.fails("signupContinue", "attributes_required", client_id=BASIC_APP,
                     continuation_token=chosen.continuation_token, grant_type="password", password="Strong-Pass-4711!")
    body = api.fails("signupContinue", "invalid_grant", "attribute_validation_failed", client_id=BASIC_APP,
                     continuation_token=body["continuation_token"], grant_type="attributes",
                     attributes=json.dumps({"postalCode": "abc"}))
    assert body["invalid_attributes"][0]["name"] == "postalCode"


def test_signup_radio_and_checkbox_values_are_checked(api: MockApi) -> None:
    """SingleRadioSelect takes one option, CheckboxMultiSelect a comma-separated list of options (§7.4, S8)."""
    radio = "extension_2588abcdwhtfeehjjeeqwertc_language"
    start = signup.signup_start(api.actor(BASIC_APP), fresh_email())
    refused = start.send(attributes=json.dumps({"postalCode": "1", radio: "Klingon"}))
    assert (refused.error, refused.suberror) == ("invalid_grant", "attribute_validation_failed")
    assert start.send(attributes=json.dumps({"postalCode": "1", radio: "Norwegian"})).status == 200
    hobbies = "extension_2588abcdwhtfeehjjeeqwertc_hobbies"
    start = signup.signup_start(api.actor(PASSWORD_APP), fresh_email())
    refused = start.send(attributes=json.dumps({"displayName": "A", hobbies: "Dancing,Skydiving"}))
    assert (refused.error, refused.suberror) == ("invalid_grant", "attribute_validation_failed")
    assert start.send(attributes=json.dumps({"displayName": "A", hobbies: "Dancing, Swimming"})).status == 200


def test_signin_email_otp(api: MockApi) -> None:
    """Email-OTP sign-in: E4 → E5 (oob, masked label) → E6 `grant_type=oob` (§4)."""
    reached = signin.oob_grant(api.actor(OTP_APP), (AVERY, None))
    challenge = reached.trail["E5"].json
    assert challenge["challenge_target_label"] == "a***y@c**t**o.com" and challenge["code_length"] == 8
    tokens = reached.send(scope="openid")
    assert tokens.status == 200 and "id_token" in tokens.json and "refresh_token" not in tokens.json


def test_signin_password_and_wrong_password(api: MockApi) -> None:
    """A wrong password is `invalid_grant` (50126) and leaves the token usable; the right one yields tokens (§4 E6)."""
    reached = signin.password_grant(api.actor(BASIC_APP), (CASEY, CASEY_PASSWORD))
    wrong = reached.send(password="Wrong-Pass-1!", scope="openid")
    assert wrong.error == "invalid_grant" and wrong.json["error_codes"] == [50126]
    tokens = reached.send(scope="openid offline_access api://contoso-tasks/Tasks.Read")
    assert tokens.json["scope"] == "openid offline_access api://contoso-tasks/Tasks.Read"


def test_tokens_are_verifiable_with_discovery_and_jwks(api: MockApi) -> None:
    """Tokens are RS256 JWTs verifiable with the JWKS named by the discovery document; iss matches (§7.10)."""
    tokens = signin.password_grant(api.actor(BASIC_APP), (CASEY, CASEY_PASSWORD)).expect().json
    config = api.http.get(api.target.profile.base_url + openapi.metadata_path("discovery")).json()
    jwks = api.http.get(config["jwks_uri"]).json()
    key = jwt.PyJWK(jwks["keys"][0])
    for name in ("access_token", "id_token"):
        claims = jwt.decode(tokens[name], key, algorithms=["RS256"], audience=BASIC_APP, issuer=config["issuer"])
        assert claims["email"] == CASEY and claims["tid"] == "aaaabbbb-0000-cccc-1111-dddd2222eeee"
        assert jwt.get_unverified_header(tokens[name])["kid"] == jwks["keys"][0]["kid"]


def test_client_info_only_when_asked(api: MockApi) -> None:
    """`client_info=1` (what MSAL sends) yields base64url JSON of the user's oid and the tenant id, on every grant that
    issues tokens, refresh included; without it there is none (R-CLIENT-INFO, observed)."""
    actor = api.actor(BASIC_APP)
    assert "client_info" not in signin.password_grant(actor, (CASEY, CASEY_PASSWORD)).expect().json
    for asked in ("1", "true"):
        tokens = signin.password_grant(actor, (CASEY, CASEY_PASSWORD)).send(client_info=asked).json
        info = json.loads(base64.urlsafe_b64decode(tokens["client_info"] + "=" * (-len(tokens["client_info"]) % 4)))
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert info == {"uid": claims["oid"], "utid": claims["tid"]}
    refreshed = api.ok("token", client_id=BASIC_APP, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                       scope="openid offline_access", client_info="1")
    assert refreshed["client_info"] == tokens["client_info"]


def test_scope_rules(api: MockApi) -> None:
    """`id_token` only with openid, `refresh_token` only with offline_access, unknown scopes refused (S2)."""
    actor = api.actor(BASIC_APP)
    refresh = signin.refresh_grant(actor, (CASEY, CASEY_PASSWORD))
    refreshed = refresh.send(scope="api://contoso-tasks/Tasks.Read").json
    assert refreshed.keys() >= {"access_token", "expires_in"} and not refreshed.keys() & {"id_token", "refresh_token"}
    assert refresh.send(scope=None).error == "invalid_grant"  # rotated: single use
    refused = signin.password_grant(actor, (CASEY, CASEY_PASSWORD)).send(
        scope="openid api://contoso-tasks/Tasks.Read https://graph.microsoft.com/User.Read"
    )
    assert refused.error == "invalid_scope"


def test_sspr_with_polling_and_auto_signin(api: MockApi) -> None:
    """SSPR: E11 → E12 → E13 (expires_in ≤ 600) → E14 → E15 in_progress, polled again with E14's token until
    succeeded → E6 (§6, ERR-71); a poll after `succeeded` is refused (R-SSPR-POLL-AFTER-SUCCESS)."""
    actor = api.actor(BASIC_APP)
    polling = sspr.sspr_poll(actor, (ROBIN, None), new="Robin-New-2027!")
    assert 0 < polling.trail["E13"].json["expires_in"] <= 600
    submitted = polling.token
    for _ in range(2):
        assert polling.expect().json == {"status": "in_progress"}
    api.advance(polling.trail["E14"].json["poll_interval"])
    poll = polling.expect().json
    assert poll["status"] == "succeeded" and poll["continuation_token"] != submitted
    assert polling.send().error == "invalid_request"
    assert "access_token" in api.tokens(BASIC_APP, poll["continuation_token"])
    assert signin.password_grant(actor, (ROBIN, "Robin-New-2027!")).send().status == 200


def test_sspr_takes_every_challenge_type_the_client_supports(api: MockApi) -> None:
    """ERR-72: the one list MSAL sends to every flow (`oob password redirect`) starts a reset and gets its code;
    without `oob` the reset falls back to the redirect response."""
    start = sspr.sspr_start(api.actor(BASIC_APP), (CASEY, None))
    begun = start.send(challenge_type="oob password redirect")
    body = api.ok("ssprChallenge", client_id=BASIC_APP, continuation_token=begun.continuation_token,
                  challenge_type="oob password redirect")
    assert body["challenge_type"] == "oob"
    assert start.send(challenge_type="password redirect").json == {"challenge_type": "redirect"}


def test_sspr_code_goes_to_strong_auth_email(api: MockApi) -> None:
    """With a strong-auth email that differs from the account, the reset OTP goes there (§6 E12)."""
    sspr.sspr_challenge(api.actor(BASIC_APP), (CASEY, None)).expect()
    assert api.http.get("/_mock/outbox").json()["messages"][-1]["to"] == CASEY_MFA_EMAIL


def test_mfa_email_and_sms(api: MockApi) -> None:
    """MFA: E6 `mfa_required` → E7 (GUID ids, masked hints) → E5 with id → E6 `mfa_oob` (§4 E6, E7)."""
    actor = api.actor(PASSWORD_APP)
    for channel, destination in (("email", CASEY_MFA_EMAIL), ("sms", CASEY_PHONE)):
        introspected = mfa.signin_introspect(actor, (CASEY, CASEY_PASSWORD)).expect()
        method = next(m for m in introspected.json["methods"] if m["challenge_channel"] == channel)
        assert method["login_hint"] in ("c***a@f**r**am.com", "+1*********0")
        challenge = actor.expect(actor.steps.signin_challenge(introspected.continuation_token or "", id=method["id"]),
                                 "E5")
        assert challenge.json["challenge_channel"] == channel
        tokens = api.ok("token", client_id=PASSWORD_APP, continuation_token=challenge.continuation_token,
                        grant_type="mfa_oob", oob=api.otp(destination), scope="openid")
        assert "access_token" in tokens


def test_registration_with_sms_otp(api: MockApi) -> None:
    """Registration: `registration_required` → E8 (email, sms) → E9 → E10 oob → E6; MFA then applies (§5)."""
    actor = api.actor(PASSWORD_APP)
    registration = mfa.register_method(mfa.register_introspect(actor, (ROBIN, ROBIN_PASSWORD)), SMS, "sms")
    methods = registration.introspected.json["methods"]
    assert [m["id"] for m in methods] == ["email", "sms"] and methods[0]["login_hint"] == ROBIN
    assert registration.challenged.json["challenge_target"] == SMS
    assert "access_token" in api.tokens(PASSWORD_APP, registration.registered.continuation_token)
    again = signin.password_grant(actor, (ROBIN, ROBIN_PASSWORD), capabilities=CAPS).send()
    assert again.suberror == "mfa_required"


@pytest.mark.parametrize(
    ("challenge_type", "ok"), [("redirect oob", True), ("oob oob", False), ("oob password", False)]
)
def test_registration_challenge_type_is_oob_with_or_without_redirect(api: MockApi, challenge_type: str, ok: bool):
    """E9 takes `oob`, alone or with §7.2's `redirect`, and nothing else (ERR-73, as the spec says)."""
    introspected = mfa.register_introspect(api.actor(PASSWORD_APP), (ROBIN, ROBIN_PASSWORD))
    answer = mfa.register_challenge(introspected, "sms", SMS).send(challenge_type=challenge_type)
    assert (answer.status == 200) is ok, answer.body


def test_registration_preverified_after_signup(api: MockApi) -> None:
    """After sign-up, registering the verified email answers `preverified`; E10 `continuation_token` (§5 E9)."""
    actor = api.actor(PASSWORD_APP)
    signed_up = signup.after_sign_up(actor, api.target, capabilities=CAPS)
    introspected = mfa.registration_required(signed_up, signin.flow_control(signed_up, "registration_required"))
    challenged = mfa.register_challenge(introspected, "email", introspected.address.upper())
    body = challenged.expect().json
    assert body == {"continuation_token": body["continuation_token"], "challenge_type": "preverified"}
    done = api.ok("registerContinue", client_id=PASSWORD_APP, continuation_token=body["continuation_token"],
                  grant_type="continuation_token")
    assert "access_token" in api.tokens(PASSWORD_APP, done["continuation_token"])


def test_redirect_when_capability_or_method_missing(api: MockApi) -> None:
    """Missing capability → redirect with `redirect_reason` on E6; missing method → redirect (§1.2, S10)."""
    actor = api.actor(PASSWORD_APP)
    body = signin.password_grant(actor, (CASEY, CASEY_PASSWORD), capabilities="registration_required").send().json
    assert body == {"challenge_type": "redirect", "redirect_reason": "Client is missing mfa_required capability"}
    body = signin.password_grant(actor, (ROBIN, ROBIN_PASSWORD)).send().json
    assert body["redirect_reason"] == "Client is missing registration_required capability"
    initiate = signin.signin_initiate(api.actor(BASIC_APP), (CASEY, None))
    assert initiate.send(challenge_type="oob redirect").json == {"challenge_type": "redirect"}
    start = signup.signup_start(api.actor(BASIC_APP), fresh_email())
    assert start.send(challenge_type="oob redirect").json == {"challenge_type": "redirect"}


def test_continuation_tokens_are_single_use_and_bound(api: MockApi) -> None:
    """Reused, out-of-order and another client's tokens are invalid (§7.1); on E2 that is `invalid_grant`."""
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    assert challenge.send().status == 200
    assert challenge.send().error == "invalid_grant"
    other = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    api.fails("signupChallenge", "invalid_grant", client_id=BASIC_APP, continuation_token=other.token,
              challenge_type=usage().advertised("signup", "email_password"))
    api.fails("ssprChallenge", "invalid_request", client_id=OTP_APP, continuation_token=other.token)
    assert other.send().status == 200


def test_resend_invalidates_previous_code_and_codes_expire(api: MockApi) -> None:
    """Calling the challenge endpoint again sends a new OTP and the old one stops working; codes expire (§7.5)."""
    actor, email = api.actor(OTP_APP), fresh_email()
    verified = signup.signup_oob(actor, email)
    first = verified.code
    resent = api.ok("signupChallenge", client_id=OTP_APP, continuation_token=verified.token)
    second = api.otp(email)
    if first != second:
        api.fails("signupContinue", "invalid_grant", "invalid_oob_value", client_id=OTP_APP,
                  continuation_token=resent["continuation_token"], grant_type="oob", oob=first)
    token = api.ok("signupChallenge", client_id=OTP_APP, continuation_token=resent["continuation_token"])
    api.advance(601)
    api.fails("signupContinue", "expired_token", client_id=OTP_APP,
              continuation_token=token["continuation_token"], grant_type="oob", oob=api.otp(email))


def test_error_envelope_echoes_client_request_id(api: MockApi) -> None:
    """Errors carry AADSTS prefix, trace/correlation ids and timestamp; `correlation_id` echoes the header (§1.1)."""
    crid = "0a0a0a0a-1111-bbbb-2222-3c3c3c3c3c3c"
    response = signup.signup_start(api.actor(OTP_APP), CASEY).send(client_request_id=crid)
    body = response.json
    assert body["correlation_id"] == crid == response.headers["client-request-id"]
    assert response.headers["x-ms-request-id"] == crid
    assert body["error_description"].startswith("AADSTS1003037: ")
    assert f"\r\nCorrelation ID: {crid}\r\nTimestamp: {body['timestamp']}" in body["error_description"]
    assert f"\r\nTrace ID: {body['trace_id']}\r\n" in body["error_description"]
    fresh = api.send("signupStart", crid="not-a-guid", client_id=OTP_APP)
    assert fresh.json["correlation_id"] == fresh.headers["x-ms-request-id"] != "not-a-guid"


def test_a_reused_submit_token_after_the_reset_does_not_crash(api: MockApi) -> None:
    """With tokens reusable (accept_reused_token), a poll after `succeeded` answers `succeeded` again, never a 500."""
    api.deviate("accept_reused_token")
    polling = sspr.sspr_poll(api.actor(BASIC_APP), (ROBIN, None))
    statuses = []
    for seconds in (0, polling.trail["E14"].json["poll_interval"], 0):
        api.advance(seconds)
        statuses.append(polling.expect().json["status"])
    assert statuses == ["in_progress", "succeeded", "succeeded"]
