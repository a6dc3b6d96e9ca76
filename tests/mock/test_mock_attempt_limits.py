"""Attempt limits (tenant `[attempt_limits]`): wrong OTP and password guesses throttled with HTTP 429 + Retry-After."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from mock_driver import (
    BASE,
    BASIC_APP,
    CASEY,
    CASEY_PASSWORD,
    OTP_APP,
    ROBIN,
    ROBIN_PASSWORD,
    Api,
    fresh_email,
    in_process,
)

from conformance.mock import create_app, load_tenant
from conformance.mock.config import AttemptLimits

CONTINUE = "/signup/v1.0/continue"
TOKEN = "/oauth2/v2.0/token"
NAME = {"displayName": "Pat"}  # the OTP app's required attribute, so a right code completes the sign-up


def _api(**limits: object) -> Iterator[Api]:
    tenant = dataclasses.replace(load_tenant(), attempt_limits=AttemptLimits(**limits))  # type: ignore[arg-type]
    with in_process(create_app(tenant)) as client:
        yield Api(client)


@pytest.fixture
def limited() -> Iterator[Api]:
    """A mock allowing 3 wrong OTPs and 2 wrong passwords per address, locking for 60 s."""
    yield from _api(wrong_otp=3, wrong_password=2, lockout_seconds=60)


def _code(api: Api, token: str, code: str) -> httpx.Response:
    return api.client.post(BASE + CONTINUE, data={
        "client_id": OTP_APP, "continuation_token": token, "grant_type": "oob", "oob": code})


def _password(api: Api, token: str, password: str) -> httpx.Response:
    return api.client.post(BASE + TOKEN, data={
        "client_id": BASIC_APP, "continuation_token": token, "grant_type": "password", "password": password,
        "scope": "openid"})


def _throttled(response: httpx.Response, status: int = 429) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == "temporarily_unavailable"
    assert 0 < int(response.headers["retry-after"]) <= 60


def test_limits_are_off_by_default(api: Api) -> None:
    """The bundled tenant limits nothing: 50 wrong codes, then the right one signs up."""
    token, code = api.signup_to_otp(fresh_email(), attrs=NAME)
    for _ in range(50):
        assert _code(api, token, "00000000").json()["suberror"] == "invalid_oob_value"
    assert _code(api, token, code).status_code == 200


def test_wrong_otps_past_the_limit_are_throttled_until_the_lockout_ends(limited: Api) -> None:
    """After 3 wrong codes even the right one gets 429 + Retry-After; after the lockout the same token works."""
    email = fresh_email()
    token, code = limited.signup_to_otp(email, attrs=NAME)
    for _ in range(3):
        assert _code(limited, token, "00000000").json()["suberror"] == "invalid_oob_value"
    _throttled(_code(limited, token, code))
    other, _ = limited.signup_to_otp(email, attrs=NAME)  # a new flow for the same address is locked too
    _throttled(_code(limited, other, "00000000"))
    assert _code(limited, *limited.signup_to_otp(fresh_email(), attrs=NAME)).status_code == 200  # others are not
    limited.advance(61)
    assert _code(limited, token, code).status_code == 200  # the throttled token was not spent


def test_a_right_guess_clears_the_count(limited: Api) -> None:
    """Two wrong passwords, the right one, then two wrong again: never throttled (the count restarts)."""
    for password in ("Wrong-1!", CASEY_PASSWORD, "Wrong-2!"):
        response = _password(limited, limited.signin_password_token(CASEY), password)
        assert response.status_code in (200, 400)
    assert _password(limited, limited.signin_password_token(CASEY), "Wrong-3!").json()["error"] == "invalid_grant"


def test_wrong_passwords_past_the_limit_are_throttled_per_account(limited: Api) -> None:
    """After 2 wrong passwords the account's sign-in is throttled, the right password included; others sign in."""
    for _ in range(2):
        assert _password(limited, limited.signin_password_token(CASEY), "Wrong-Pass-1!").json()["error"] == \
            "invalid_grant"
    token = limited.signin_password_token(CASEY)
    _throttled(_password(limited, token, CASEY_PASSWORD))
    assert _password(limited, limited.signin_password_token(ROBIN), ROBIN_PASSWORD).status_code == 200
    limited.advance(61)
    assert _password(limited, token, CASEY_PASSWORD).status_code == 200  # the throttled token was not spent


def test_throttling_can_answer_the_temporarily_unavailable_row() -> None:
    """`response = "temporarily_unavailable"` answers that row at its documented status (500), with Retry-After."""
    for api in _api(wrong_password=1, lockout_seconds=30, response="temporarily_unavailable"):
        _password(api, api.signin_password_token(CASEY), "Wrong-Pass-1!")
        response = _password(api, api.signin_password_token(CASEY), CASEY_PASSWORD)
        _throttled(response, status=500)
        assert int(response.headers["retry-after"]) == 30
