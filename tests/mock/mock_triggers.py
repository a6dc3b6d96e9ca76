"""Trigger recipes for the error rows: reach a valid request for each error table, then break it as the row's recipe
(`specs/errors.yaml` trigger.recipe) says."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from mock_driver import (
    AVERY,
    BASE,
    BASIC_APP,
    BLOCKED,
    BLOCKED_PASSWORD,
    CAPS,
    CASEY,
    CASEY_OLD,
    CONFIDENTIAL_APP,
    DISABLED_APP,
    OTP_APP,
    PASSWORD_APP,
    STRONG,
    Api,
    fresh_email,
)

from conformance.contract.errors import ErrorRow

POSTAL = {"postalCode": "12345"}


@dataclass
class Step:
    """A request that would succeed at this point of a flow."""

    path: str
    form: dict[str, str]
    password_field: str = "password"
    notes: dict[str, str] = field(default_factory=dict)


def _e3b_token(api: Api, attrs: dict | None = POSTAL) -> str:
    """A sign-up without password on E1 → credential_required → E2 password → token for E3b."""
    email = fresh_email()
    token, code = api.signup_to_otp(email, app=BASIC_APP, attrs=attrs)
    body = api.post("/signup/v1.0/continue", client_id=BASIC_APP, continuation_token=token, grant_type="oob",
                    oob=code).json()
    body = api.ok("/signup/v1.0/challenge", client_id=BASIC_APP, continuation_token=body["continuation_token"])
    return body["continuation_token"]


def _e3c_token(api: Api) -> str:
    """A sign-up with password but no attributes on E1 → E3a attributes_required → token for E3c."""
    token, code = api.signup_to_otp(fresh_email(), app=BASIC_APP, password=STRONG)
    body = api.post("/signup/v1.0/continue", client_id=BASIC_APP, continuation_token=token, grant_type="oob",
                    oob=code).json()
    return body["continuation_token"]


def _e9_token(api: Api) -> str:
    token = api.registration_token()
    return api.ok("/register/v1.0/introspect", client_id=PASSWORD_APP, continuation_token=token)["continuation_token"]


def reach(api: Api, table: str) -> Step:
    """A valid request for the endpoint step of `table` (state prepared through the earlier steps)."""
    if table == "E1":
        return Step("/signup/v1.0/start", {"client_id": BASIC_APP, "challenge_type": "oob password redirect",
                                           "username": fresh_email(), "password": STRONG,
                                           "attributes": json.dumps(POSTAL)})
    if table == "E2":
        token = api.signup_start(fresh_email(), app=BASIC_APP, password=STRONG, attrs=POSTAL)
        return Step("/signup/v1.0/challenge", {"client_id": BASIC_APP, "continuation_token": token,
                                               "challenge_type": "oob password redirect"})
    if table == "E3a":
        token, code = api.signup_to_otp(fresh_email(), app=BASIC_APP, password=STRONG, attrs=POSTAL)
        return Step("/signup/v1.0/continue", {"client_id": BASIC_APP, "continuation_token": token,
                                              "grant_type": "oob", "oob": code})
    if table in ("E3b", "E3b-attrs"):
        return Step("/signup/v1.0/continue", {"client_id": BASIC_APP, "continuation_token": _e3b_token(api),
                                              "grant_type": "password", "password": STRONG})
    if table == "E3c":
        return Step("/signup/v1.0/continue", {"client_id": BASIC_APP, "continuation_token": _e3c_token(api),
                                              "grant_type": "attributes", "attributes": json.dumps(POSTAL)})
    if table == "E4":
        return Step("/oauth2/v2.0/initiate", {"client_id": BASIC_APP, "challenge_type": "password redirect",
                                              "username": CASEY})
    if table == "E5":
        token = api.ok("/oauth2/v2.0/initiate", client_id=BASIC_APP, challenge_type="password redirect",
                       username=CASEY)["continuation_token"]
        return Step("/oauth2/v2.0/challenge", {"client_id": BASIC_APP, "continuation_token": token,
                                               "challenge_type": "password redirect"})
    if table in ("E6", "G-token"):
        token = api.signin_password_token(CASEY)
        return Step("/oauth2/v2.0/token", {"client_id": BASIC_APP, "continuation_token": token,
                                           "grant_type": "password", "password": "Casey-Pass-2026!",
                                           "scope": "openid"})
    if table == "E7":
        return Step("/oauth2/v2.0/introspect", {"client_id": PASSWORD_APP, "continuation_token": api.mfa_token()})
    if table == "E8":
        return Step("/register/v1.0/introspect", {"client_id": PASSWORD_APP,
                                                  "continuation_token": api.registration_token()})
    if table == "E9":
        return Step("/register/v1.0/challenge", {"client_id": PASSWORD_APP, "continuation_token": _e9_token(api),
                                                 "challenge_type": "oob", "challenge_target": "+14255550123",
                                                 "challenge_channel": "sms"})
    if table == "E10":
        body = api.ok("/register/v1.0/challenge", client_id=PASSWORD_APP, continuation_token=_e9_token(api),
                      challenge_type="oob", challenge_target="+14255550123", challenge_channel="sms")
        return Step("/register/v1.0/continue", {"client_id": PASSWORD_APP,
                                                "continuation_token": body["continuation_token"],
                                                "grant_type": "oob", "oob": api.otp("+14255550123")})
    if table == "E11":
        return Step("/resetpassword/v1.0/start", {"client_id": BASIC_APP, "challenge_type": "oob redirect",
                                                  "username": CASEY})
    if table == "E12":
        token = api.ok("/resetpassword/v1.0/start", client_id=BASIC_APP, challenge_type="oob redirect",
                       username=CASEY)["continuation_token"]
        return Step("/resetpassword/v1.0/challenge", {"client_id": BASIC_APP, "continuation_token": token,
                                                      "challenge_type": "oob redirect"})
    if table == "E13":
        token, code = api.sspr_to_otp(CASEY)
        return Step("/resetpassword/v1.0/continue", {"client_id": BASIC_APP, "continuation_token": token,
                                                     "grant_type": "oob", "oob": code})
    if table == "E14":
        return Step("/resetpassword/v1.0/submit", {"client_id": BASIC_APP, "continuation_token": api.sspr_to_submit(),
                                                   "new_password": "Fresh-Pass-7788!"}, password_field="new_password")
    if table == "E15":
        token = api.ok("/resetpassword/v1.0/submit", client_id=BASIC_APP, continuation_token=api.sspr_to_submit(),
                       new_password="Fresh-Pass-7788!")["continuation_token"]
        return Step("/resetpassword/v1.0/poll_completion", {"client_id": BASIC_APP, "continuation_token": token})
    raise KeyError(table)


def _send(api: Api, step: Step, **changes: str | None) -> httpx.Response:
    form = {**step.form, **changes}
    return api.post(step.path, **form)


def _wrong(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def _password(value: str) -> Callable[[Api, ErrorRow, Step], httpx.Response]:
    return lambda api, row, step: _send(api, step, **{step.password_field: value})


def _foreign(api: Api, row: ErrorRow, step: Step) -> httpx.Response:
    token = api.ok("/oauth2/v2.0/initiate", client_id=step.form["client_id"], challenge_type="password redirect",
                   username=CASEY)["continuation_token"]
    return _send(api, step, continuation_token=token)


def _expired(api: Api, row: ErrorRow, step: Step) -> httpx.Response:
    api.advance(601)
    return _send(api, step)


def _no_password_at_start(api: Api, row: ErrorRow, step: Step) -> httpx.Response:
    token, code = api.signup_to_otp(fresh_email(), app=BASIC_APP, attrs=POSTAL)
    return api.post(step.path, client_id=BASIC_APP, continuation_token=token, grant_type="oob", oob=code)


def _no_attributes_at_start(api: Api, row: ErrorRow, step: Step) -> httpx.Response:
    if row.table == "E3a":
        token, code = api.signup_to_otp(fresh_email(), app=BASIC_APP, password=STRONG)
        return api.post(step.path, client_id=BASIC_APP, continuation_token=token, grant_type="oob", oob=code)
    return _send(api, step, continuation_token=_e3b_token(api, attrs=None))


def _wrong_otp(api: Api, row: ErrorRow, step: Step) -> httpx.Response:
    if row.table != "E6":
        return _send(api, step, oob=_wrong(step.form["oob"]))
    token = api.ok("/oauth2/v2.0/initiate", client_id=OTP_APP, challenge_type="oob redirect",
                   username=AVERY)["continuation_token"]
    token = api.ok("/oauth2/v2.0/challenge", client_id=OTP_APP, continuation_token=token)["continuation_token"]
    return api.post(step.path, client_id=OTP_APP, continuation_token=token, grant_type="oob",
                    oob=_wrong(api.otp(AVERY)), scope="openid")


def _mfa(user: str, password: str) -> Callable[[Api, ErrorRow, Step], httpx.Response]:
    return lambda api, row, step: api.password_grant(user, password, app=PASSWORD_APP, caps=CAPS)


def _generic(api: Api, row: ErrorRow, step: Step) -> httpx.Response:
    if row.id == "G-token.invalid_request":
        pairs = [*step.form.items(), ("client_id", OTP_APP)]
        response = api.client.post(BASE + step.path, content=urlencode(pairs),
                                   headers={"content-type": "application/x-www-form-urlencoded"})
        return response
    if row.id == "G-token.invalid_grant":
        return api.post(step.path, client_id=BASIC_APP, grant_type="refresh_token", refresh_token="forged")
    if row.id == "G-token.unauthorized_client":
        return api.post(step.path, client_id=str(uuid.uuid4()), grant_type="refresh_token", refresh_token="forged")
    if row.id == "G-token.invalid_client":
        return _send(api, step, client_id=CONFIDENTIAL_APP, client_secret="s3cret")
    if row.id == "G-token.unsupported_grant_type":
        return _send(api, step, grant_type="client_credentials")
    if row.id == "G-token.interaction_required":
        return api.password_grant(BLOCKED, BLOCKED_PASSWORD)
    raise KeyError(row.id)


def _drop_redirect(api: Api, row: ErrorRow, step: Step) -> httpx.Response:
    kept = " ".join(t for t in step.form["challenge_type"].split() if t != "redirect")
    return _send(api, step, challenge_type=kept)


RECIPES: dict[str, Callable[[Api, ErrorRow, Step], httpx.Response]] = {
    "missing_client_id": lambda api, row, step: _send(api, step, client_id=None),
    "confidential_client": lambda api, row, step: _send(api, step, client_id=CONFIDENTIAL_APP),
    "native_auth_disabled": lambda api, row, step: _send(api, step, client_id=DISABLED_APP),
    "unknown_client": lambda api, row, step: _send(api, step, client_id=str(uuid.uuid4())),
    "no_redirect": _drop_redirect,
    "existing_user": lambda api, row, step: _send(api, step, username=CASEY),
    "weak_password": _password("aaaaaaaa"),
    "short_password": _password("Ab1!xyz"),
    "long_password": _password("Ab1!" + "x" * 253),
    "banned_password": _password("Contoso-2026!"),
    "invalid_password": _password("Abcdef1!\x01"),
    "recent_password": _password(CASEY_OLD),
    "invalid_attribute": lambda api, row, step: _send(api, step, attributes=json.dumps({"postalCode": "abc"})),
    "incomplete_attributes": lambda api, row, step: _send(
        api, step, attributes=json.dumps({"extension_2588abcdwhtfeehjjeeqwertc_language": "English"})
    ),
    "expired_token": _expired,
    "forged_token": lambda api, row, step: _send(api, step, continuation_token=secrets.token_urlsafe(48)),
    "foreign_token": _foreign,
    "no_password_at_start": _no_password_at_start,
    "no_attributes_at_start": _no_attributes_at_start,
    "unknown_grant_type": lambda api, row, step: _send(api, step, grant_type="foo"),
    "wrong_grant_type": lambda api, row, step: _send(api, step, grant_type="password"),
    "wrong_password": lambda api, row, step: _send(api, step, password="Wrong-Pass-1!"),
    "wrong_otp": _wrong_otp,
    "unknown_user": lambda api, row, step: _send(api, step, username=fresh_email()),
    "unknown_challenge_type": lambda api, row, step: _send(api, step, challenge_type="password redirect foo"),
    "missing_scope": lambda api, row, step: _send(api, step, scope=None),
    "unknown_scope": lambda api, row, step: _send(
        api, step, scope="openid api://00000000-0000-0000-0000-000000000000/none"
    ),
    "unknown_resource": lambda api, row, step: _send(
        api, step, scope="openid api://00000000-0000-0000-0000-000000000000/.default"
    ),
    "mfa_user": _mfa(CASEY, "Casey-Pass-2026!"),
    "unregistered_mfa_user": _mfa("robin@contoso.com", "Robin-Pass-2026!"),
    "blocked_region": lambda api, row, step: _send(api, step, challenge_target="+79161234567"),
    "blocked_number": lambda api, row, step: _send(api, step, challenge_target="+14255550199"),
    **dict.fromkeys(
        (
            "duplicate_client_id",
            "forged_refresh_token",
            "refresh_unknown_client",
            "wrong_client_secret",
            "generic_grant",
            "interaction_required_user",
        ),
        _generic,
    ),
}

# Rows the error table marks without a recipe that the mock can still trigger (tenant config of the default tenant).
BY_ROW: dict[str, Callable[[Api, ErrorRow, Step], httpx.Response]] = {}


def trigger(api: Api, row: ErrorRow) -> httpx.Response:
    """Drive the mock into the condition of `row` and return the response."""
    recipe = BY_ROW.get(row.id) or RECIPES[row.trigger.recipe or ""]
    return recipe(api, row, reach(api, row.table))
