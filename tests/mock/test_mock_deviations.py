"""Each named deviation visibly breaks the contract it names (so the suites have something to catch)."""

from __future__ import annotations

import json
from collections.abc import Callable

import jwt
import pytest
from mock_driver import (
    AVERY,
    BASE,
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

from conformance.contract.schemas import validate_response
from conformance.mock.deviations import DEVIATIONS, READINGS, SWITCHES, descriptions

TOKEN = "/oauth2/v2.0/token"


def _user_exists(api: Api):
    return api.post("/signup/v1.0/start", client_id=OTP_APP, challenge_type="oob redirect", username=CASEY)


def accept_reused_token(api: Api) -> None:
    token = api.signup_start(fresh_email())
    for _ in range(2):
        assert api.post("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token).status_code == 200


def drop_trace_id(api: Api) -> None:
    assert "trace_id" not in _user_exists(api).json()


def accept_wrong_otp(api: Api) -> None:
    token, code = api.signup_to_otp(fresh_email(), attrs={"displayName": "Q"})
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    response = api.post("/signup/v1.0/continue", client_id=OTP_APP, continuation_token=token, grant_type="oob",
                        oob=wrong)
    assert response.status_code == 200


def wrong_error_code(api: Api) -> None:
    response = api.post("/signup/v1.0/start", client_id=OTP_APP, challenge_type="oob", username=fresh_email())
    assert response.json()["error"] == "invalid_request"


def no_redirect_fallback(api: Api) -> None:
    response = api.post("/oauth2/v2.0/initiate", client_id=BASIC_APP, challenge_type="oob redirect", username=CASEY)
    assert response.status_code == 400 and "challenge_type" not in response.json()


def _tokens(api: Api, scope: str, **extra: str) -> dict:
    token = api.signin_password_token(CASEY)
    return api.post(TOKEN, client_id=BASIC_APP, continuation_token=token, grant_type="password",
                    password=CASEY_PASSWORD, scope=scope, **extra).json()


def id_token_without_openid(api: Api) -> None:
    assert "id_token" in _tokens(api, "api://contoso-tasks/Tasks.Read")


def refresh_token_without_offline_access(api: Api) -> None:
    assert "refresh_token" in _tokens(api, "openid")


def unmasked_challenge_target_label(api: Api) -> None:
    email = fresh_email()
    token = api.signup_start(email)
    body = api.post("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token).json()
    assert body["challenge_target_label"] == email


def error_codes_as_strings(api: Api) -> None:
    assert _user_exists(api).json()["error_codes"] == ["1003037"]


def server_error_on_bad_attributes(api: Api) -> None:
    response = api.post("/signup/v1.0/start", client_id=OTP_APP, challenge_type="oob redirect",
                        username=fresh_email(), attributes="{not json")
    assert response.status_code == 500


def resend_keeps_old_code(api: Api) -> None:
    email = fresh_email()
    token, first = api.signup_to_otp(email, attrs={"displayName": "Q"})
    resent = api.post("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token).json()
    response = api.post("/signup/v1.0/continue", client_id=OTP_APP, continuation_token=resent["continuation_token"],
                        grant_type="oob", oob=first)
    assert response.status_code == 200


def expired_token_accepted(api: Api) -> None:
    token = api.signup_start(fresh_email())
    api.advance(3600)
    assert api.post("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token).status_code == 200


def missing_correlation_header(api: Api) -> None:
    headers = _user_exists(api).headers
    assert "client-request-id" not in headers and "x-ms-request-id" not in headers


def undocumented_error_value(api: Api) -> None:
    response = api.post("/oauth2/v2.0/initiate", client_id=OTP_APP, challenge_type="oob redirect",
                        username=fresh_email())
    assert response.json()["error"] == "user_does_not_exist"


def bad_jwt_signature(api: Api) -> None:
    tokens = _tokens(api, "openid")
    key = jwt.PyJWK(api.client.get("/contoso.onmicrosoft.com/discovery/v2.0/keys").json()["keys"][0])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tokens["id_token"], key, algorithms=["RS256"], audience=BASIC_APP)


def token_type_lowercase(api: Api) -> None:
    assert _tokens(api, "openid")["token_type"] == "bearer"


def legacy_password_errors(api: Api) -> None:
    body = api.post("/signup/v1.0/start", client_id=BASIC_APP, challenge_type="oob password redirect",
                    username=fresh_email(), password="aaaaaaaa").json()
    assert body["error"] == "password_too_weak" and "suberror" not in body


def sspr_expires_in_too_long(api: Api) -> None:
    token, code = api.sspr_to_otp(CASEY)
    body = api.post("/resetpassword/v1.0/continue", client_id=BASIC_APP, continuation_token=token, grant_type="oob",
                    oob=code).json()
    assert body["expires_in"] > 600


def legacy_token_name(api: Api) -> None:
    body = api.post("/signup/v1.0/start", client_id=OTP_APP, challenge_type="oob redirect",
                    username=fresh_email(), attributes=json.dumps({"displayName": "Q"})).json()
    assert "signup_token" in body and "continuation_token" not in body


def errors_with_status_200(api: Api) -> None:
    response = _user_exists(api)
    assert response.status_code == 200 and response.json()["error"] == "user_already_exists"


def sspr_closed_challenge_types(api: Api) -> None:
    response = api.post("/resetpassword/v1.0/start", client_id=BASIC_APP, challenge_type="oob password redirect",
                        username=CASEY)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def lenient_registration_challenge_type(api: Api) -> None:
    token = api.ok("/register/v1.0/introspect", client_id=PASSWORD_APP,
                   continuation_token=api.registration_token())["continuation_token"]
    assert api.ok("/register/v1.0/challenge", client_id=PASSWORD_APP, continuation_token=token,
                  challenge_type="oob password redirect", challenge_target="+14255550123", challenge_channel="sms")


def bad_attributes_ignored(api: Api) -> None:
    response = api.post("/signup/v1.0/start", client_id=OTP_APP, challenge_type="oob redirect",
                        username=fresh_email(), attributes="displayName=Q")
    assert response.status_code == 200


def _start(api: Api, content: bytes, content_type: str = "application/x-www-form-urlencoded"):
    return api.client.post(f"{BASE}/signup/v1.0/start", content=content, headers={"content-type": content_type})


def server_error_on_duplicate_parameters(api: Api) -> None:
    body = f"client_id={OTP_APP}&challenge_type=oob+redirect&username=a%40example.com&username=b%40example.com"
    assert _start(api, body.encode()).status_code == 500


def server_error_on_unknown_grant_type(api: Api) -> None:
    response = api.post(TOKEN, client_id=OTP_APP, continuation_token="x", grant_type="foo", scope="openid")
    assert response.status_code == 500


def empty_client_id_unauthorized(api: Api) -> None:
    response = api.client.post(f"{BASE}/signup/v1.0/start", data={"client_id": "", "username": fresh_email(),
                                                                  "challenge_type": "oob redirect"})
    assert response.json()["error"] == "unauthorized_client"


def json_request_body_accepted(api: Api) -> None:
    form = {"client_id": OTP_APP, "challenge_type": "oob redirect", "username": fresh_email(),
            "attributes": json.dumps({"displayName": "Q"})}
    assert _start(api, json.dumps(form).encode(), "application/json").status_code == 200


def server_error_on_empty_body(api: Api) -> None:
    assert _start(api, b"").status_code == 500


def text_plain_content_type(api: Api) -> None:
    assert _user_exists(api).headers["content-type"].startswith("text/plain")


def poll_before_submit(api: Api) -> None:
    token = api.sspr_to_submit(CASEY)
    body = api.post("/resetpassword/v1.0/poll_completion", client_id=BASIC_APP, continuation_token=token).json()
    assert body["status"] == "succeeded"


def continuation_grant_ignores_scope(api: Api) -> None:
    token = api.signup(fresh_email(), attrs={"displayName": "Q"})
    body = api.tokens(OTP_APP, token, scope="api://contoso-tasks/Tasks.Read")
    assert "id_token" in body and "refresh_token" in body


def otp_never_expires(api: Api) -> None:
    token, code = api.signup_to_otp(fresh_email(), attrs={"displayName": "Q"})
    api.advance(400)  # past the bundled tenant's 300 s code lifetime, within its 600 s token lifetime
    response = api.post("/signup/v1.0/continue", client_id=OTP_APP, continuation_token=token, grant_type="oob",
                        oob=code)
    assert response.status_code == 200


def _expired(api: Api, path: str, **form: str | None) -> dict:
    """POST `form` after the token's lifetime has passed (the mock's clock moved an hour on)."""
    api.advance(3600)
    return api.post(path, **form).json()


def expired_as_invalid_request_e3c(api: Api) -> None:
    token, code = api.signup_to_otp(fresh_email())  # no displayName yet: the OTP answer asks for attributes
    body = api.post("/signup/v1.0/continue", client_id=OTP_APP, continuation_token=token, grant_type="oob",
                    oob=code).json()
    assert body["error"] == "attributes_required"
    answer = _expired(api, "/signup/v1.0/continue", client_id=OTP_APP, continuation_token=body["continuation_token"],
                      grant_type="attributes", attributes=json.dumps({"displayName": "Q"}))
    assert answer["error"] == "invalid_request"


def expired_as_invalid_request_e9(api: Api) -> None:
    token = api.ok("/register/v1.0/introspect", client_id=PASSWORD_APP, continuation_token=api.registration_token())
    answer = _expired(api, "/register/v1.0/challenge", client_id=PASSWORD_APP,
                      continuation_token=token["continuation_token"], challenge_type="oob",
                      challenge_target=fresh_email())
    assert answer["error"] == "invalid_request"


def expired_as_invalid_request_e15(api: Api) -> None:
    token = api.ok("/resetpassword/v1.0/submit", client_id=BASIC_APP, continuation_token=api.sspr_to_submit(),
                   new_password=STRONG)["continuation_token"]
    answer = _expired(api, "/resetpassword/v1.0/poll_completion", client_id=BASIC_APP, continuation_token=token)
    assert answer["error"] == "invalid_request"


def expired_as_invalid_request_e6(api: Api) -> None:
    answer = _expired(api, TOKEN, client_id=BASIC_APP, continuation_token=api.signin_password_token(CASEY),
                      grant_type="password", password=CASEY_PASSWORD, scope="openid")
    assert answer["error"] == "invalid_request"


def invalid_token_as_invalid_request_e6(api: Api) -> None:
    answer = api.post(TOKEN, client_id=BASIC_APP, continuation_token="forged", grant_type="password",
                      password=CASEY_PASSWORD, scope="openid").json()
    assert answer["error"] == "invalid_request"


def weak_password_as_too_short(api: Api) -> None:
    body = api.post("/signup/v1.0/start", client_id=BASIC_APP, challenge_type="oob password redirect",
                    username=fresh_email(), password="aaaaaaaa").json()
    assert (body["error"], body["suberror"]) == ("invalid_grant", "password_too_short")


def mfa_required_dropped(api: Api) -> None:
    response = api.password_grant(CASEY, CASEY_PASSWORD, app=PASSWORD_APP, caps=CAPS)
    assert response.status_code == 200 and "access_token" in response.json()


def short_otp(api: Api) -> None:
    email = fresh_email()
    token = api.signup_start(email)
    body = api.post("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=token).json()
    assert body["code_length"] == 8 and len(api.otp(email)) == 6


def wrong_aadsts_code(api: Api) -> None:
    assert 1003037 not in _user_exists(api).json()["error_codes"]


def redirect_alone_continues(api: Api) -> None:
    body = api.post("/signup/v1.0/start", client_id=OTP_APP, challenge_type="redirect", username=fresh_email(),
                    attributes=json.dumps({"displayName": "Q"})).json()
    assert "continuation_token" in body and body.get("challenge_type") != "redirect"


def unknown_user_as_invalid_grant(api: Api) -> None:
    response = api.post("/oauth2/v2.0/initiate", client_id=OTP_APP, challenge_type="oob redirect",
                        username=fresh_email())
    assert response.json()["error"] == "invalid_grant"


def blocked_sms_as_invalid_grant(api: Api) -> None:
    token = api.ok("/register/v1.0/introspect", client_id=PASSWORD_APP, continuation_token=api.registration_token())
    body = api.post("/register/v1.0/challenge", client_id=PASSWORD_APP, continuation_token=token["continuation_token"],
                    challenge_type="oob", challenge_channel="sms", challenge_target="+14255550199").json()
    assert (body["error"], body["suberror"]) == ("invalid_grant", "provider_blocked_by_rep")


def wrong_otp_as_invalid_request(api: Api) -> None:
    token, code = api.signup_to_otp(fresh_email(), attrs={"displayName": "Q"})
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    body = api.post("/signup/v1.0/continue", client_id=OTP_APP, continuation_token=token, grant_type="oob",
                    oob=wrong).json()
    assert body["error"] == "invalid_request" and "suberror" not in body


def no_redirect_as_invalid_request_901007(api: Api) -> None:
    body = api.post("/signup/v1.0/start", client_id=OTP_APP, challenge_type="oob", username=fresh_email()).json()
    assert (body["error"], body["error_codes"]) == ("invalid_request", [901007])


def unknown_grant_as_invalid_grant(api: Api) -> None:
    body = api.post(TOKEN, client_id=BASIC_APP, continuation_token=api.signin_password_token(CASEY),
                    grant_type="foo", scope="openid").json()
    assert body["error"] == "invalid_grant"


def error_codes_from_the_prefix(api: Api) -> None:
    body = api.password_grant(CASEY, "Wrong-Pass-2026!").json()
    assert (body["error"], body["error_codes"]) == ("invalid_grant", [901007])


def id_token_without_email(api: Api) -> None:
    claims = jwt.decode(_tokens(api, "openid")["id_token"], options={"verify_signature": False})
    assert claims["sub"] and "email" not in claims and "preferred_username" not in claims


def poll_token_spent(api: Api) -> None:
    token = api.sspr_to_submit(ROBIN)
    submitted = api.ok("/resetpassword/v1.0/submit", client_id=BASIC_APP, continuation_token=token,
                       new_password=STRONG)["continuation_token"]
    pending = api.ok("/resetpassword/v1.0/poll_completion", client_id=BASIC_APP, continuation_token=submitted)
    assert pending["continuation_token"] != submitted
    api.fails("/resetpassword/v1.0/poll_completion", "invalid_request", client_id=BASIC_APP,
              continuation_token=submitted)


def no_client_info(api: Api) -> None:
    assert "client_info" not in _tokens(api, "openid", client_info="1")


CHECKS: dict[str, Callable[[Api], None]] = {name: globals()[name] for name in SWITCHES}


def test_every_switch_has_a_description_and_declares_what_it_breaks() -> None:
    """Switches are listed with a one-line description; every deviation breaks at least one requirement, none an
    endpoint tag (that is the schema's requirement, which never counts as a kill), and every pattern matches."""
    from conformance.contract import errors, requirements

    assert len(DEVIATIONS) >= 30 and all(text and "\n" not in text for text in descriptions().values())
    known = [rule.id for rule in requirements.rules()] + [row.id for row in errors.table()]
    endpoints = {row.table.removesuffix("-attrs") for row in errors.table()}
    for name, switch in SWITCHES.items():
        assert switch.breaks or name in READINGS, name
        for pattern in switch.breaks:
            assert any(switch.breaks_requirement(rid) for rid in known), (name, pattern)
            assert not any(switch.breaks_requirement(tag) for tag in endpoints), (name, pattern)
        assert switch.caught_by.strip(), name


@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_deviation_is_visible(api: Api, name: str) -> None:
    """With the deviation on, its breakage shows; the same steps without it are contract-conform."""
    api.deviate(name)
    api.validate = False
    CHECKS[name](api)


def test_deviation_responses_fail_the_schema_where_the_schema_says_so(api: Api) -> None:
    """A schema-level deviation (string error codes) is caught by `validate_response` itself."""
    api.deviate("error_codes_as_strings", "drop_trace_id")
    api.validate = False
    response = api.post("/oauth2/v2.0/initiate", client_id=OTP_APP, challenge_type="oob redirect", username=AVERY + "x")
    assert len(validate_response("/oauth2/v2.0/initiate", 400, response.json())) == 2
