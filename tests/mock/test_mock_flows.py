"""Every documented flow end to end against the in-process mock; every response is schema-validated by the driver."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from mock_driver import (
    AVERY,
    BASIC_APP,
    CAPS,
    CASEY,
    CASEY_PASSWORD,
    OTP_APP,
    PASSWORD_APP,
    ROBIN,
    STRONG,
    Api,
    fresh_email,
)

TOKEN = "/oauth2/v2.0/token"


def test_signup_email_otp_with_attributes_at_start(api: Api) -> None:
    """Sign-up with email OTP: E1 → E2 (OTP emailed) → E3a → E6 continuation_token (api-reference.md §2.1, §3)."""
    email = fresh_email()
    token, code = api.signup_to_otp(email, attrs={"displayName": "Quinn", "unknownAttribute": "ignored"})
    body = api.ok("/signup/v1.0/continue", client_id=OTP_APP, continuation_token=token, grant_type="oob", oob=code)
    tokens = api.tokens(OTP_APP, body["continuation_token"], username=email)
    assert tokens["token_type"] == "Bearer" and {"id_token", "refresh_token"} <= tokens.keys()
    assert len(code) == 8 and code.isdigit()


def test_signup_otp_asks_for_required_attributes(api: Api) -> None:
    """Required attributes not sent on E1 are asked for with `attributes_required` → E3c (§3 E3b, E3c)."""
    email = fresh_email()
    token, code = api.signup_to_otp(email)
    body = api.fails("/signup/v1.0/continue", "attributes_required", client_id=OTP_APP, continuation_token=token,
                     grant_type="oob", oob=code)
    assert [a["name"] for a in body["required_attributes"]] == ["displayName"]
    assert body["required_attributes"][0]["options"] == {"regex": "^[^<>]{1,64}$"}
    done = api.ok("/signup/v1.0/continue", client_id=OTP_APP, continuation_token=body["continuation_token"],
                  grant_type="attributes", attributes=json.dumps({"displayName": "Quinn"}))
    assert "access_token" in api.tokens(OTP_APP, done["continuation_token"])


def test_signup_password_at_start(api: Api) -> None:
    """Email+password sign-up with password and attributes on E1 completes at E3a (§3 E3a scenario table)."""
    token = api.signup(fresh_email(), app=BASIC_APP, password=STRONG, attrs={"postalCode": "12345"})
    assert "access_token" in api.tokens(BASIC_APP, token)


def test_signup_password_via_credential_required(api: Api) -> None:
    """Without a password on E1: E3a `credential_required` → E2 password challenge → E3b → attributes → E6 (§3)."""
    email = fresh_email()
    token, code = api.signup_to_otp(email, app=BASIC_APP)
    body = api.fails("/signup/v1.0/continue", "credential_required", client_id=BASIC_APP, continuation_token=token,
                     grant_type="oob", oob=code)
    challenge = api.ok("/signup/v1.0/challenge", client_id=BASIC_APP, continuation_token=body["continuation_token"],
                       challenge_type="password redirect")
    assert challenge["challenge_type"] == "password"
    body = api.fails("/signup/v1.0/continue", "attributes_required", client_id=BASIC_APP,
                     continuation_token=challenge["continuation_token"], grant_type="password", password=STRONG)
    body = api.fails("/signup/v1.0/continue", "invalid_grant", "attribute_validation_failed", client_id=BASIC_APP,
                     continuation_token=body["continuation_token"], grant_type="attributes",
                     attributes=json.dumps({"postalCode": "abc"}))
    assert body["invalid_attributes"][0]["name"] == "postalCode"


def test_signup_radio_and_checkbox_values_are_checked(api: Api) -> None:
    """SingleRadioSelect takes one option, CheckboxMultiSelect a comma-separated list of options (§7.4, S8)."""
    radio = "extension_2588abcdwhtfeehjjeeqwertc_language"
    api.fails("/signup/v1.0/start", "invalid_grant", "attribute_validation_failed", client_id=BASIC_APP,
              challenge_type="oob password redirect", username=fresh_email(),
              attributes=json.dumps({"postalCode": "1", radio: "Klingon"}))
    api.signup_start(fresh_email(), app=BASIC_APP, attrs={"postalCode": "1", radio: "Norwegian"})
    hobbies = "extension_2588abcdwhtfeehjjeeqwertc_hobbies"
    api.signup_start(fresh_email(), app=PASSWORD_APP, attrs={"displayName": "A", hobbies: "Dancing, Swimming"})
    api.fails("/signup/v1.0/start", "invalid_grant", "attribute_validation_failed", client_id=PASSWORD_APP,
              challenge_type="oob password redirect", username=fresh_email(),
              attributes=json.dumps({"displayName": "A", hobbies: "Dancing,Skydiving"}))


def test_signin_email_otp(api: Api) -> None:
    """Email-OTP sign-in: E4 → E5 (oob, masked label) → E6 `grant_type=oob` (§4)."""
    token = api.ok("/oauth2/v2.0/initiate", client_id=OTP_APP, challenge_type="oob redirect",
                   username=AVERY)["continuation_token"]
    body = api.ok("/oauth2/v2.0/challenge", client_id=OTP_APP, continuation_token=token)
    assert body["challenge_target_label"] == "a***y@c**t**o.com" and body["code_length"] == 8
    tokens = api.ok(TOKEN, client_id=OTP_APP, continuation_token=body["continuation_token"], grant_type="oob",
                    oob=api.otp(AVERY), scope="openid")
    assert "id_token" in tokens and "refresh_token" not in tokens


def test_signin_password_and_wrong_password(api: Api) -> None:
    """A wrong password is `invalid_grant` (50126) and leaves the token usable; the right one yields tokens (§4 E6)."""
    token = api.signin_password_token(CASEY)
    body = api.fails(TOKEN, "invalid_grant", client_id=BASIC_APP, continuation_token=token, grant_type="password",
                     password="Wrong-Pass-1!", scope="openid")
    assert body["error_codes"] == [50126]
    tokens = api.ok(TOKEN, client_id=BASIC_APP, continuation_token=token, grant_type="password",
                    password=CASEY_PASSWORD, scope="openid offline_access api://contoso-tasks/Tasks.Read")
    assert tokens["scope"] == "openid offline_access api://contoso-tasks/Tasks.Read"


def test_tokens_are_verifiable_with_discovery_and_jwks(api: Api) -> None:
    """Tokens are RS256 JWTs verifiable with the JWKS named by the discovery document; iss matches (§7.10)."""
    tokens = api.password_grant(CASEY, CASEY_PASSWORD).json()
    config = api.client.get("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration").json()
    jwks = api.client.get(config["jwks_uri"]).json()
    key = jwt.PyJWK(jwks["keys"][0])
    for name in ("access_token", "id_token"):
        claims = jwt.decode(tokens[name], key, algorithms=["RS256"], audience=BASIC_APP, issuer=config["issuer"])
        assert claims["email"] == CASEY and claims["tid"] == "aaaabbbb-0000-cccc-1111-dddd2222eeee"
        assert jwt.get_unverified_header(tokens[name])["kid"] == jwks["keys"][0]["kid"]


def test_client_info_only_when_asked(api: Api) -> None:
    """`client_info=1` (what MSAL sends) yields base64url JSON of the user's oid and the tenant id, on every grant that
    issues tokens, refresh included; without it there is none (R-CLIENT-INFO, observed)."""
    assert "client_info" not in api.password_grant(CASEY, CASEY_PASSWORD).json()
    for asked in ("1", "true"):
        token = api.signin_password_token(CASEY)
        tokens = api.ok(TOKEN, client_id=BASIC_APP, continuation_token=token, grant_type="password",
                        password=CASEY_PASSWORD, scope="openid offline_access", client_info=asked)
        info = json.loads(base64.urlsafe_b64decode(tokens["client_info"] + "=" * (-len(tokens["client_info"]) % 4)))
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert info == {"uid": claims["oid"], "utid": claims["tid"]}
    refreshed = api.ok(TOKEN, client_id=BASIC_APP, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                       scope="openid offline_access", client_info="1")
    assert refreshed["client_info"] == tokens["client_info"]


def test_scope_rules(api: Api) -> None:
    """`id_token` only with openid, `refresh_token` only with offline_access, unknown scopes refused (S2)."""
    tokens = api.password_grant(CASEY, CASEY_PASSWORD).json()
    refreshed = api.ok(TOKEN, client_id=BASIC_APP, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                       scope="api://contoso-tasks/Tasks.Read")
    assert refreshed.keys() >= {"access_token", "expires_in"} and not refreshed.keys() & {"id_token", "refresh_token"}
    api.fails(TOKEN, "invalid_grant", client_id=BASIC_APP, grant_type="refresh_token",
              refresh_token=tokens["refresh_token"])  # rotated: single use
    token = api.signin_password_token(CASEY)
    api.fails(TOKEN, "invalid_scope", client_id=BASIC_APP, continuation_token=token, grant_type="password",
              password=CASEY_PASSWORD, scope="openid api://contoso-tasks/Tasks.Read https://graph.microsoft.com/User.Read")


def test_sspr_with_polling_and_auto_signin(api: Api) -> None:
    """SSPR: E11 → E12 → E13 (expires_in ≤ 600) → E14 → E15 in_progress, polled again with the /submit token until
    succeeded → E6 (§6, ERR-71); a poll after `succeeded` is refused (R-SSPR-POLL-AFTER-SUCCESS)."""
    token, code = api.sspr_to_otp(CASEY)
    body = api.ok("/resetpassword/v1.0/continue", client_id=BASIC_APP, continuation_token=token, grant_type="oob",
                  oob=code)
    assert 0 < body["expires_in"] <= 600
    body = api.ok("/resetpassword/v1.0/submit", client_id=BASIC_APP, continuation_token=body["continuation_token"],
                  new_password="Casey-New-2027!")
    submitted = body["continuation_token"]
    for _ in range(2):
        poll = api.ok("/resetpassword/v1.0/poll_completion", client_id=BASIC_APP, continuation_token=submitted)
        assert poll == {"status": "in_progress"}
    api.advance(body["poll_interval"])
    poll = api.ok("/resetpassword/v1.0/poll_completion", client_id=BASIC_APP, continuation_token=submitted)
    assert poll["status"] == "succeeded" and poll["continuation_token"] != submitted
    api.fails("/resetpassword/v1.0/poll_completion", "invalid_request", client_id=BASIC_APP,
              continuation_token=submitted)
    assert "access_token" in api.tokens(BASIC_APP, poll["continuation_token"])
    assert api.password_grant(CASEY, "Casey-New-2027!").status_code == 200


def test_sspr_takes_every_challenge_type_the_client_supports(api: Api) -> None:
    """ERR-72: the one list MSAL sends to every flow (`oob password redirect`) starts a reset and gets its code;
    without `oob` the reset falls back to the redirect response."""
    token = api.ok("/resetpassword/v1.0/start", client_id=BASIC_APP, challenge_type="oob password redirect",
                   username=CASEY)["continuation_token"]
    body = api.ok("/resetpassword/v1.0/challenge", client_id=BASIC_APP, continuation_token=token,
                  challenge_type="oob password redirect")
    assert body["challenge_type"] == "oob"
    assert api.ok("/resetpassword/v1.0/start", client_id=BASIC_APP, challenge_type="password redirect",
                  username=CASEY) == {"challenge_type": "redirect"}


@pytest.mark.parametrize("blank", ["", "\r", " "])
def test_a_blank_optional_challenge_type_lists_no_redirect(api: Api, blank: str) -> None:
    """An empty optional `challenge_type` is absent; one of blanks only is a list without `redirect` (§7.2), refused
    as the spec's pattern refuses it (a fuzzer finding: it was read as absent)."""
    token, _ = api.signup_to_otp(fresh_email())
    answer = api.post("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token, challenge_type=blank)
    assert answer.status_code == (200 if blank == "" else 400), answer.text
    if blank:
        assert answer.json()["error"] == "unsupported_challenge_type"


def test_sspr_code_goes_to_strong_auth_email(api: Api) -> None:
    """With a strong-auth email that differs from the account, the reset OTP goes there (§6 E12)."""
    api.sspr_to_otp(CASEY)
    assert api.client.get("/_mock/outbox").json()["messages"][-1]["to"] == "casey.mfa@fabrikam.com"


def test_mfa_email_and_sms(api: Api) -> None:
    """MFA: E6 `mfa_required` → E7 (GUID ids, masked hints) → E5 with id → E6 `mfa_oob` (§4 E6, E7)."""
    for channel in ("email", "sms"):
        token = api.mfa_token()
        body = api.ok("/oauth2/v2.0/introspect", client_id=PASSWORD_APP, continuation_token=token)
        method = next(m for m in body["methods"] if m["challenge_channel"] == channel)
        assert method["login_hint"] in ("c***a@f**r**am.com", "+1*********0")
        challenge = api.ok("/oauth2/v2.0/challenge", client_id=PASSWORD_APP,
                           continuation_token=body["continuation_token"], id=method["id"])
        assert challenge["challenge_channel"] == channel
        target = "casey.mfa@fabrikam.com" if channel == "email" else "+14255550100"
        tokens = api.ok(TOKEN, client_id=PASSWORD_APP, continuation_token=challenge["continuation_token"],
                        grant_type="mfa_oob", oob=api.otp(target), scope="openid")
        assert "access_token" in tokens


def test_registration_with_sms_otp(api: Api) -> None:
    """Registration: `registration_required` → E8 (email, sms) → E9 → E10 oob → E6; MFA then applies (§5)."""
    token = api.registration_token()
    body = api.ok("/register/v1.0/introspect", client_id=PASSWORD_APP, continuation_token=token)
    assert [m["id"] for m in body["methods"]] == ["email", "sms"] and body["methods"][0]["login_hint"] == ROBIN
    challenge = api.ok("/register/v1.0/challenge", client_id=PASSWORD_APP,
                       continuation_token=body["continuation_token"], challenge_type="oob",
                       challenge_target="+14255550123", challenge_channel="sms")
    assert challenge["challenge_target"] == "+14255550123"
    done = api.ok("/register/v1.0/continue", client_id=PASSWORD_APP, continuation_token=challenge["continuation_token"],
                  grant_type="oob", oob=api.otp("+14255550123"))
    assert "access_token" in api.tokens(PASSWORD_APP, done["continuation_token"])
    again = api.password_grant(ROBIN, "Robin-Pass-2026!", app=PASSWORD_APP, caps=CAPS)
    assert again.json()["suberror"] == "mfa_required"


@pytest.mark.parametrize(
    ("challenge_type", "ok"), [("redirect oob", True), ("oob oob", False), ("oob password", False)]
)
def test_registration_challenge_type_is_oob_with_or_without_redirect(api: Api, challenge_type: str, ok: bool) -> None:
    """E9 takes `oob`, alone or with §7.2's `redirect`, and nothing else (ERR-73, as the spec says)."""
    body = api.ok("/register/v1.0/introspect", client_id=PASSWORD_APP, continuation_token=api.registration_token())
    answer = api.post("/register/v1.0/challenge", client_id=PASSWORD_APP, continuation_token=body["continuation_token"],
                      challenge_type=challenge_type, challenge_target="+14255550123", challenge_channel="sms")
    assert (answer.status_code == 200) is ok, answer.text


def test_registration_preverified_after_signup(api: Api) -> None:
    """After sign-up, registering the verified email answers `preverified`; E10 `continuation_token` (§5 E9)."""
    email = fresh_email()
    token = api.signup(email, app=PASSWORD_APP, password=STRONG, attrs={"displayName": "Quinn"})
    body = api.fails(TOKEN, "invalid_grant", "registration_required", client_id=PASSWORD_APP,
                     continuation_token=token, grant_type="continuation_token", scope="openid")
    body = api.ok("/register/v1.0/introspect", client_id=PASSWORD_APP, continuation_token=body["continuation_token"])
    body = api.ok("/register/v1.0/challenge", client_id=PASSWORD_APP, continuation_token=body["continuation_token"],
                  challenge_type="oob", challenge_target=email.upper(), challenge_channel="email")
    assert body == {"continuation_token": body["continuation_token"], "challenge_type": "preverified"}
    done = api.ok("/register/v1.0/continue", client_id=PASSWORD_APP, continuation_token=body["continuation_token"],
                  grant_type="continuation_token")
    assert "access_token" in api.tokens(PASSWORD_APP, done["continuation_token"])


def test_redirect_when_capability_or_method_missing(api: Api) -> None:
    """Missing capability → redirect with `redirect_reason` on /token; missing method → redirect (§1.2, S10)."""
    body = api.password_grant(CASEY, CASEY_PASSWORD, app=PASSWORD_APP, caps="registration_required").json()
    assert body == {"challenge_type": "redirect", "redirect_reason": "Client is missing mfa_required capability"}
    body = api.password_grant(ROBIN, "Robin-Pass-2026!", app=PASSWORD_APP).json()
    assert body["redirect_reason"] == "Client is missing registration_required capability"
    assert api.ok("/oauth2/v2.0/initiate", client_id=BASIC_APP, challenge_type="oob redirect",
                  username=CASEY) == {"challenge_type": "redirect"}
    assert api.ok("/signup/v1.0/start", client_id=BASIC_APP, challenge_type="oob redirect",
                  username=fresh_email()) == {"challenge_type": "redirect"}


def test_continuation_tokens_are_single_use_and_bound(api: Api) -> None:
    """Reused, out-of-order and another client's tokens are invalid (§7.1); on E2 that is `invalid_grant`."""
    token = api.signup_start(fresh_email())
    api.ok("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token)
    api.fails("/signup/v1.0/challenge", "invalid_grant", client_id=OTP_APP, continuation_token=token)
    other = api.signup_start(fresh_email())
    api.fails("/signup/v1.0/challenge", "invalid_grant", client_id=BASIC_APP, continuation_token=other,
              challenge_type="oob password redirect")
    api.fails("/resetpassword/v1.0/challenge", "invalid_request", client_id=OTP_APP, continuation_token=other)
    api.ok("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=other)


def test_resend_invalidates_previous_code_and_codes_expire(api: Api) -> None:
    """Calling the challenge endpoint again sends a new OTP and the old one stops working; codes expire (§7.5)."""
    email = fresh_email()
    token, first = api.signup_to_otp(email, attrs={"displayName": "Q"})
    resent = api.ok("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token)
    second = api.otp(email)
    if first != second:
        api.fails("/signup/v1.0/continue", "invalid_grant", "invalid_oob_value", client_id=OTP_APP,
                  continuation_token=resent["continuation_token"], grant_type="oob", oob=first)
    token = api.ok("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=resent["continuation_token"])
    api.advance(601)
    api.fails("/signup/v1.0/continue", "expired_token", client_id=OTP_APP,
              continuation_token=token["continuation_token"], grant_type="oob", oob=api.otp(email))


def test_error_envelope_echoes_client_request_id(api: Api) -> None:
    """Errors carry AADSTS prefix, trace/correlation ids and timestamp; `correlation_id` echoes the header (§1.1)."""
    crid = "0a0a0a0a-1111-bbbb-2222-3c3c3c3c3c3c"
    response = api.post("/signup/v1.0/start", crid=crid, client_id=OTP_APP, challenge_type="oob redirect",
                        username=CASEY)
    body = response.json()
    assert body["correlation_id"] == crid == response.headers["client-request-id"]
    assert response.headers["x-ms-request-id"] == crid
    assert body["error_description"].startswith("AADSTS1003037: ")
    assert f"\r\nCorrelation ID: {crid}\r\nTimestamp: {body['timestamp']}" in body["error_description"]
    assert f"\r\nTrace ID: {body['trace_id']}\r\n" in body["error_description"]
    fresh = api.post("/signup/v1.0/start", crid="not-a-guid", client_id=OTP_APP)
    assert fresh.json()["correlation_id"] == fresh.headers["x-ms-request-id"] != "not-a-guid"


def test_a_reused_submit_token_after_the_reset_does_not_crash(api: Api) -> None:
    """With tokens reusable (accept_reused_token), a poll after `succeeded` answers `succeeded` again, never a 500."""
    api.deviate("accept_reused_token")
    body = api.ok("/resetpassword/v1.0/submit", client_id=BASIC_APP, continuation_token=api.sspr_to_submit(ROBIN),
                  new_password=STRONG)
    statuses = []
    for seconds in (0, body["poll_interval"], 0):
        api.advance(seconds)
        poll = api.ok("/resetpassword/v1.0/poll_completion", client_id=BASIC_APP,
                      continuation_token=body["continuation_token"])
        statuses.append(poll["status"])
    assert statuses == ["in_progress", "succeeded", "succeeded"]
