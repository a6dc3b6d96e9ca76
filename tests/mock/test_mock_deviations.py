"""Each named deviation visibly breaks the contract it names (so the suites have something to catch)."""

from __future__ import annotations

import json
from collections.abc import Callable

import jwt
import pytest
from mock_support import (
    AVERY,
    BASIC_APP,
    CAPS,
    CASEY,
    CASEY_PASSWORD,
    OTP_APP,
    PASSWORD_APP,
    ROBIN,
    ROBIN_PASSWORD,
    SMS,
    MockApi,
    fresh_email,
)

from conformance.client import ApiResponse
from conformance.contract import openapi
from conformance.contract.schemas import validate_response
from conformance.contract.vocabulary import usage
from conformance.mock.deviations import DEVIATIONS, READINGS, SWITCHES, descriptions
from conformance.walker import Reached, mfa, signin, signup, sspr


def _user_exists(api: MockApi) -> ApiResponse:
    return signup.signup_start(api.actor(OTP_APP), CASEY).send()


def _start(api: MockApi, **changes: str | None) -> ApiResponse:
    """E1 of a fresh address on the OTP app, with `changes` to the form the walker builds."""
    return signup.signup_start(api.actor(OTP_APP), fresh_email()).send(**changes)


def _verified(api: MockApi) -> Reached:
    """E3a of an OTP sign-up (the code e-mailed at E2 in its form)."""
    return signup.signup_oob(api.actor(OTP_APP), fresh_email())


def _wrong(code: str) -> str:
    return "0" * len(code) if code != "0" * len(code) else "1" * len(code)


def _password_grant(api: MockApi) -> Reached:
    """E6 `grant_type=password` of Casey on the app without MFA."""
    return signin.password_grant(api.actor(BASIC_APP), (CASEY, CASEY_PASSWORD))


def _e8(api: MockApi) -> Reached:
    """E8 with the token of Robin's `registration_required`."""
    return mfa.register_introspect(api.actor(PASSWORD_APP), (ROBIN, ROBIN_PASSWORD))


def _tokens(api: MockApi, scope: str, **extra: str) -> dict:
    return _password_grant(api).send(scope=scope, **extra).json


def accept_reused_token(api: MockApi) -> None:
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    for _ in range(2):
        assert challenge.send().status == 200


def drop_trace_id(api: MockApi) -> None:
    assert "trace_id" not in _user_exists(api).json


def accept_wrong_otp(api: MockApi) -> None:
    verified = _verified(api)
    assert verified.send(oob=_wrong(verified.code or "")).status == 200


def wrong_error_code(api: MockApi) -> None:
    assert _start(api, challenge_type="oob").error == "invalid_request"


def no_redirect_fallback(api: MockApi) -> None:
    response = signin.signin_initiate(api.actor(BASIC_APP), (CASEY, None)).send(challenge_type="oob redirect")
    assert response.status == 400 and "challenge_type" not in response.json


def id_token_without_openid(api: MockApi) -> None:
    assert "id_token" in _tokens(api, "api://contoso-tasks/Tasks.Read")


def refresh_token_without_offline_access(api: MockApi) -> None:
    assert "refresh_token" in _tokens(api, "openid")


def unmasked_challenge_target_label(api: MockApi) -> None:
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    assert challenge.send().json["challenge_target_label"] == challenge.address


def error_codes_as_strings(api: MockApi) -> None:
    assert _user_exists(api).json["error_codes"] == ["1003037"]


def server_error_on_bad_attributes(api: MockApi) -> None:
    assert _start(api, attributes="{not json").status == 500


def resend_keeps_old_code(api: MockApi) -> None:
    verified = _verified(api)
    resent = api.send("signupChallenge", client_id=OTP_APP, continuation_token=verified.token).json
    assert verified.send(continuation_token=resent["continuation_token"]).status == 200


def expired_token_accepted(api: MockApi) -> None:
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    api.advance(3600)
    assert challenge.send().status == 200


def missing_correlation_header(api: MockApi) -> None:
    headers = _user_exists(api).headers
    assert "client-request-id" not in headers and "x-ms-request-id" not in headers


def undocumented_error_value(api: MockApi) -> None:
    assert signin.signin_initiate(api.actor(OTP_APP), (fresh_email(), None)).send().error == "user_does_not_exist"


def bad_jwt_signature(api: MockApi) -> None:
    tokens = _tokens(api, "openid")
    jwks = api.http.get(api.target.profile.base_url + openapi.metadata_path("jwks")).json()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tokens["id_token"], jwt.PyJWK(jwks["keys"][0]), algorithms=["RS256"], audience=BASIC_APP)


def token_type_lowercase(api: MockApi) -> None:
    assert _tokens(api, "openid")["token_type"] == "bearer"


def _weak_password_at_start(api: MockApi) -> dict:
    return signup.signup_start(api.actor(BASIC_APP), fresh_email(), password="aaaaaaaa").send().json


def legacy_password_errors(api: MockApi) -> None:
    body = _weak_password_at_start(api)
    assert body["error"] == "password_too_weak" and "suberror" not in body


def sspr_expires_in_too_long(api: MockApi) -> None:
    assert sspr.sspr_continue(api.actor(BASIC_APP), (ROBIN, None)).send().json["expires_in"] > 600


def legacy_token_name(api: MockApi) -> None:
    body = _start(api).json
    assert "signup_token" in body and "continuation_token" not in body


def errors_with_status_200(api: MockApi) -> None:
    response = _user_exists(api)
    assert response.status == 200 and response.error == "user_already_exists"


def sspr_closed_challenge_types(api: MockApi) -> None:
    response = sspr.sspr_start(api.actor(BASIC_APP), (CASEY, None)).send(challenge_type="oob password redirect")
    assert response.status == 400 and response.error == "invalid_request"


def lenient_registration_challenge_type(api: MockApi) -> None:
    challenge = mfa.register_challenge(_e8(api), "sms", SMS)
    assert challenge.send(challenge_type="oob password redirect").status == 200


def bad_attributes_ignored(api: MockApi) -> None:
    assert _start(api, attributes="displayName=Q").status == 200


def _raw_start(api: MockApi, content: bytes, content_type: str = "application/x-www-form-urlencoded") -> ApiResponse:
    return api.native.send("signupStart", {}, raw_body=content, content_type=content_type)


def server_error_on_duplicate_parameters(api: MockApi) -> None:
    body = f"client_id={OTP_APP}&challenge_type=oob+redirect&username=a%40example.com&username=b%40example.com"
    assert _raw_start(api, body.encode()).status == 500


def server_error_on_unknown_grant_type(api: MockApi) -> None:
    response = api.send("token", client_id=OTP_APP, continuation_token="x", grant_type="foo", scope="openid")
    assert response.status == 500


def empty_client_id_unauthorized(api: MockApi) -> None:
    assert _start(api, client_id="").error == "unauthorized_client"


def json_request_body_accepted(api: MockApi) -> None:
    advertised = usage().advertised("signup", "email_otp")
    form = {"client_id": OTP_APP, "challenge_type": advertised, "username": fresh_email(),
            "attributes": json.dumps({"displayName": "Q"})}
    assert _raw_start(api, json.dumps(form).encode(), "application/json").status == 200


def server_error_on_empty_body(api: MockApi) -> None:
    assert _raw_start(api, b"").status == 500


def text_plain_content_type(api: MockApi) -> None:
    assert _user_exists(api).headers["content-type"].startswith("text/plain")


def poll_before_submit(api: MockApi) -> None:
    submit = sspr.sspr_submit(api.actor(BASIC_APP), (ROBIN, None))
    body = api.send("ssprPollCompletion", client_id=BASIC_APP, continuation_token=submit.token).json
    assert body["status"] == "succeeded"


def continuation_grant_ignores_scope(api: MockApi) -> None:
    reached = signup.after_sign_up(api.actor(OTP_APP), api.target)
    body = reached.send(scope="api://contoso-tasks/Tasks.Read").json
    assert "id_token" in body and "refresh_token" in body


def otp_never_expires(api: MockApi) -> None:
    verified = _verified(api)
    api.advance(400)  # past the bundled tenant's 300 s code lifetime, within its 600 s token lifetime
    assert verified.send().status == 200


def _expired(api: MockApi, reached: Reached) -> ApiResponse:
    """The step's request sent after its token's lifetime has passed (the mock's clock moved an hour on)."""
    api.advance(3600)
    return reached.send()


def expired_as_invalid_request_e3c(api: MockApi) -> None:
    attributes = signup.signup_attributes(api.actor(OTP_APP), api.target)
    assert attributes.trail["E3a"].error == "attributes_required"
    assert _expired(api, attributes).error == "invalid_request"


def expired_as_invalid_request_e9(api: MockApi) -> None:
    assert _expired(api, mfa.register_challenge(_e8(api))).error == "invalid_request"


def expired_as_invalid_request_e15(api: MockApi) -> None:
    assert _expired(api, sspr.sspr_poll(api.actor(BASIC_APP), (ROBIN, None))).error == "invalid_request"


def expired_as_invalid_request_e6(api: MockApi) -> None:
    assert _expired(api, _password_grant(api)).error == "invalid_request"


def invalid_token_as_invalid_request_e6(api: MockApi) -> None:
    assert _password_grant(api).send(continuation_token="forged").error == "invalid_request"


def weak_password_as_too_short(api: MockApi) -> None:
    body = _weak_password_at_start(api)
    assert (body["error"], body["suberror"]) == ("invalid_grant", "password_too_short")


def mfa_required_dropped(api: MockApi) -> None:
    response = signin.password_grant(api.actor(PASSWORD_APP), (CASEY, CASEY_PASSWORD), capabilities=CAPS).send()
    assert response.status == 200 and "access_token" in response.json


def short_otp(api: MockApi) -> None:
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    assert challenge.send().json["code_length"] == 8 and len(api.otp(challenge.address)) == 6


def wrong_aadsts_code(api: MockApi) -> None:
    assert 1003037 not in _user_exists(api).json["error_codes"]


def redirect_alone_continues(api: MockApi) -> None:
    body = _start(api, challenge_type="redirect").json
    assert "continuation_token" in body and body.get("challenge_type") != "redirect"


def unknown_user_as_invalid_grant(api: MockApi) -> None:
    assert signin.signin_initiate(api.actor(OTP_APP), (fresh_email(), None)).send().error == "invalid_grant"


def blocked_sms_as_invalid_grant(api: MockApi) -> None:
    body = mfa.register_challenge(_e8(api), "sms", "+14255550199").send().json
    assert (body["error"], body["suberror"]) == ("invalid_grant", "provider_blocked_by_rep")


def wrong_otp_as_invalid_request(api: MockApi) -> None:
    verified = _verified(api)
    body = verified.send(oob=_wrong(verified.code or "")).json
    assert body["error"] == "invalid_request" and "suberror" not in body


def no_redirect_as_invalid_request_901007(api: MockApi) -> None:
    body = _start(api, challenge_type="oob").json
    assert (body["error"], body["error_codes"]) == ("invalid_request", [901007])


def unknown_grant_as_invalid_grant(api: MockApi) -> None:
    assert _password_grant(api).send(grant_type="foo").error == "invalid_grant"


def error_codes_from_the_prefix(api: MockApi) -> None:
    body = _password_grant(api).send(password="Wrong-Pass-2026!").json
    assert (body["error"], body["error_codes"]) == ("invalid_grant", [901007])


def id_token_without_email(api: MockApi) -> None:
    claims = jwt.decode(_tokens(api, "openid")["id_token"], options={"verify_signature": False})
    assert claims["sub"] and "email" not in claims and "preferred_username" not in claims


def poll_token_spent(api: MockApi) -> None:
    polling = sspr.sspr_poll(api.actor(BASIC_APP), (ROBIN, None))
    pending = polling.send().json
    assert pending["continuation_token"] != polling.token
    assert polling.send().error == "invalid_request"


def no_client_info(api: MockApi) -> None:
    assert "client_info" not in _tokens(api, "openid", client_info="1")


CHECKS: dict[str, Callable[[MockApi], None]] = {name: globals()[name] for name in SWITCHES}


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
def test_deviation_is_visible(api: MockApi, name: str) -> None:
    """With the deviation on, its breakage shows; the same steps without it are contract-conform."""
    api.deviate(name)
    api.validate = False
    CHECKS[name](api)


def test_deviation_responses_fail_the_schema_where_the_schema_says_so(api: MockApi) -> None:
    """A schema-level deviation (string error codes) is caught by `validate_response` itself."""
    api.deviate("error_codes_as_strings", "drop_trace_id")
    api.validate = False
    response = signin.signin_initiate(api.actor(OTP_APP), (AVERY + "x", None)).send()
    assert len(validate_response(response.path, 400, response.json)) == 2
