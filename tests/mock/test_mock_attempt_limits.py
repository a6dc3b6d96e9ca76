"""Attempt limits (tenant `[attempt_limits]`): wrong OTP and password guesses throttled with HTTP 429 + Retry-After."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from mock_support import (
    BASIC_APP,
    CASEY,
    CASEY_PASSWORD,
    OTP_APP,
    ROBIN,
    ROBIN_PASSWORD,
    MockApi,
    fresh_email,
    mock_api,
)

from conformance.client import ApiResponse
from conformance.mock import create_app, load_tenant
from conformance.mock.config import AttemptLimits
from conformance.walker import Reached, signin, signup


def _api(**limits: object) -> Iterator[MockApi]:
    tenant = dataclasses.replace(load_tenant(), attempt_limits=AttemptLimits(**limits))  # type: ignore[arg-type]
    with mock_api(create_app(tenant)) as api:
        yield api


@pytest.fixture
def limited() -> Iterator[MockApi]:
    """A mock allowing 3 wrong OTPs and 2 wrong passwords per address, locking for 60 s."""
    yield from _api(wrong_otp=3, wrong_password=2, lockout_seconds=60)


def _verified(api: MockApi, address: str | None = None) -> Reached:
    """E3a of an OTP sign-up (with the app's required attribute, so a right code completes it)."""
    return signup.signup_oob(api.actor(OTP_APP), address or fresh_email())


def _grant(api: MockApi, user: str = CASEY) -> Reached:
    """E6 `grant_type=password` of `user` on the app without MFA."""
    return signin.password_grant(api.actor(BASIC_APP), (user, None))


def _throttled(response: ApiResponse, status: int = 429) -> None:
    assert response.status == status, response.body
    assert response.error == "temporarily_unavailable"
    assert 0 < int(response.headers["retry-after"]) <= 60


def test_limits_are_off_by_default(api: MockApi) -> None:
    """The bundled tenant limits nothing: 50 wrong codes, then the right one signs up."""
    verified = _verified(api)
    for _ in range(50):
        assert verified.send(oob="00000000").suberror == "invalid_oob_value"
    assert verified.send().status == 200


def test_wrong_otps_past_the_limit_are_throttled_until_the_lockout_ends(limited: MockApi) -> None:
    """After 3 wrong codes even the right one gets 429 + Retry-After; after the lockout the same token works."""
    verified = _verified(limited)
    for _ in range(3):
        assert verified.send(oob="00000000").suberror == "invalid_oob_value"
    _throttled(verified.send())
    other = _verified(limited, verified.address)  # a new flow for the same address is locked too
    _throttled(other.send(oob="00000000"))
    assert _verified(limited).send().status == 200  # others are not
    limited.advance(61)
    assert verified.send().status == 200  # the throttled token was not spent


def test_a_right_guess_clears_the_count(limited: MockApi) -> None:
    """Two wrong passwords, the right one, then two wrong again: never throttled (the count restarts)."""
    for password in ("Wrong-1!", CASEY_PASSWORD, "Wrong-2!"):
        assert _grant(limited).send(password=password).status in (200, 400)
    assert _grant(limited).send(password="Wrong-3!").error == "invalid_grant"


def test_wrong_passwords_past_the_limit_are_throttled_per_account(limited: MockApi) -> None:
    """After 2 wrong passwords the account's sign-in is throttled, the right password included; others sign in."""
    for _ in range(2):
        assert _grant(limited).send(password="Wrong-Pass-1!").error == "invalid_grant"
    grant = _grant(limited)
    _throttled(grant.send(password=CASEY_PASSWORD))
    assert _grant(limited, ROBIN).send(password=ROBIN_PASSWORD).status == 200
    limited.advance(61)
    assert grant.send(password=CASEY_PASSWORD).status == 200  # the throttled token was not spent


def test_throttling_can_answer_the_temporarily_unavailable_row() -> None:
    """`response = "temporarily_unavailable"` answers that row at its documented status (500), with Retry-After."""
    for api in _api(wrong_password=1, lockout_seconds=30, response="temporarily_unavailable"):
        _grant(api).send(password="Wrong-Pass-1!")
        response = _grant(api).send(password=CASEY_PASSWORD)
        _throttled(response, status=500)
        assert int(response.headers["retry-after"]) == 30
