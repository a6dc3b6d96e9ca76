"""What the mock remembers is bounded (tenant `[retention]`): spent tokens go at once, the rest by age and by count,
and whatever is forgotten answers as unknown."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from mock_support import BASIC_APP, CASEY, CASEY_PASSWORD, OTP_APP, MockApi, fresh_email, mock_api

from conformance.client import ApiResponse
from conformance.contract import errors, openapi
from conformance.mock import create_app, load_tenant
from conformance.mock.config import Retention
from conformance.walker import Reached, signin, signup

INVALID = errors.table().served("E2", "invalid_token")[0].error  # what E2 answers a token it does not know


def _api(**bounds: int) -> Iterator[MockApi]:
    tenant = dataclasses.replace(load_tenant(), retention=dataclasses.replace(Retention(), **bounds))
    with mock_api(create_app(tenant)) as api:
        yield api


def _sizes(api: MockApi) -> dict[str, int]:
    return api.http.get("/_mock/state").json()["sizes"]


def _challenge(api: MockApi, address: str | None = None) -> Reached:
    """E2 of an OTP sign-up started for `address` (a fresh one unless given)."""
    return signup.signup_challenge(api.actor(OTP_APP), address or fresh_email())


def _resend(api: MockApi, token: str | None) -> ApiResponse:
    """E2 again with the token E2 handed out (a resend)."""
    return api.send("signupChallenge", client_id=OTP_APP, continuation_token=token)


def _initiate(api: MockApi, address: str) -> ApiResponse:
    return signin.signin_initiate(api.actor(OTP_APP), (address, None)).send()


def _refresh_token(api: MockApi) -> str:
    return signin.password_grant(api.actor(BASIC_APP), (CASEY, CASEY_PASSWORD)).expect().json["refresh_token"]


def test_spent_tokens_are_forgotten_at_once(api: MockApi) -> None:
    """A step's token is dropped when the step spends it (one token per flow in progress); reuse stays invalid."""
    challenge = _challenge(api)
    assert challenge.send().status == 200
    assert _sizes(api)["continuation_tokens"] == 1 and _sizes(api)["flows"] == 1
    assert challenge.send().error == INVALID


def test_reused_token_deviation_still_accepts_spent_tokens(api: MockApi) -> None:
    """Under `accept_reused_token` spent tokens are kept (while their flow lives) and accepted again."""
    api.deviate("accept_reused_token")
    challenge = _challenge(api)
    assert challenge.send().status == 200
    assert challenge.send().status == 200


def test_flows_per_username_are_bounded() -> None:
    """Beyond `flows_per_address` flows for one username the oldest is forgotten: its token is then invalid."""
    for api in _api(flows_per_address=2):
        email = fresh_email()
        first, second, third = (_challenge(api, email) for _ in range(3))
        assert first.send().error == INVALID
        assert second.send().status == third.send().status == 200
        assert _sizes(api)["flows"] == 2


def test_flows_in_progress_are_bounded_least_recently_used_first() -> None:
    """Beyond `flows` flows the least recently used is forgotten (a flow used since stays)."""
    for api in _api(flows=2):
        first, second = _challenge(api), _challenge(api)
        token = first.send().continuation_token  # `first` is now the most recently used
        _challenge(api)
        assert _sizes(api)["flows"] == 2
        assert second.send().error == INVALID
        assert _resend(api, token).status == 200


def test_expired_tokens_answer_expired_during_the_grace_then_go() -> None:
    """An expired token answers `expired_token` for `expired_token_grace` seconds; then its flow is forgotten."""
    for api in _api(expired_token_grace=100):
        challenge = _challenge(api)
        api.advance(650)
        assert challenge.send().error == "expired_token"
        api.advance(100)
        _challenge(api)  # issuing looks at the oldest flows and lets the expired one go
        assert _sizes(api)["flows"] == 1
        assert challenge.send().error == INVALID


def test_outbox_is_bounded_per_address_in_all_and_by_age() -> None:
    """The outbox keeps the newest `outbox_per_address` messages per address, `outbox` in all, none past its age."""
    for api in _api(outbox=3, outbox_per_address=2, outbox_max_age=1000):
        verified = signup.signup_oob(api.actor(OTP_APP), fresh_email())
        email, token = verified.address, verified.token
        for _ in range(2):  # resends
            token = _resend(api, token).continuation_token
        codes = [m["code"] for m in api.http.get("/_mock/outbox", params={"to": email}).json()["messages"]]
        assert len(codes) == 2 and codes[-1] == api.otp(email)
        others = [signup.signup_oob(api.actor(OTP_APP), fresh_email()).address for _ in range(2)]
        assert [m["to"] for m in api.http.get("/_mock/outbox").json()["messages"]] == [email, *others]
        api.advance(1001)
        newest = signup.signup_oob(api.actor(OTP_APP), fresh_email()).address  # sending lets those past the age go
        assert [m["to"] for m in api.http.get("/_mock/outbox").json()["messages"]] == [newest]


def test_refresh_tokens_are_bounded() -> None:
    """Beyond `refresh_tokens` unredeemed refresh tokens the oldest is forgotten (then `invalid_grant`)."""
    for api in _api(refresh_tokens=1):
        old, new = _refresh_token(api), _refresh_token(api)
        redeem = {"client_id": BASIC_APP, "grant_type": "refresh_token", "scope": "openid"}
        assert api.send("token", refresh_token=old, **redeem).error == "invalid_grant"
        assert api.send("token", refresh_token=new, **redeem).status == 200
        assert _sizes(api)["refresh_tokens"] == 0  # redeemed: rotated away at once


def test_users_added_at_run_time_are_bounded_seeded_ones_never() -> None:
    """Beyond `users` added users the oldest added is forgotten; seeded users stay."""
    for api in _api(users=2):
        added = [fresh_email() for _ in range(3)]
        for email in added:
            assert api.http.post("/_mock/users", json={"email": email}).status_code == 201
        assert _initiate(api, added[0]).error == "user_not_found"
        assert _initiate(api, added[2]).status == 200
        assert signin.password_grant(api.actor(BASIC_APP), (CASEY, CASEY_PASSWORD)).send().status == 200
        assert _sizes(api)["users"] == 4 + 2


def test_scoped_clocks_and_faults_are_bounded() -> None:
    """At most `scoped_clocks` request ids keep an offset (oldest go); queuing faults past `faults` is refused."""
    for api in _api(scoped_clocks=2, faults=2):
        for crid in ("a", "b", "c"):
            api.http.post("/_mock/clock", json={"advance_seconds": 1, "client_request_id": crid})
        assert sorted(api.http.get("/_mock/clock").json()["scoped"]) == ["b", "c"]
        queue = {"client_request_id": "a", "endpoint": openapi.path_of("signupStart"),
                 "responses": [{"redirect": True}] * 2}
        assert api.http.post("/_mock/faults", json=queue).status_code == 201
        refused = api.http.post("/_mock/faults", json=queue)
        assert refused.status_code == 400 and "retention.faults" in refused.json()["detail"]


@pytest.mark.parametrize("same_address", [True, False], ids=["one-address", "fresh-addresses"])
def test_state_stays_within_its_bounds_under_sustained_load(same_address: bool) -> None:
    """600 sign-up starts and challenges leave at most the bounded number of flows, tokens and messages."""
    for api in _api(flows=50, flows_per_address=4, outbox=40, outbox_per_address=3):
        email = fresh_email()
        for _ in range(300):
            _challenge(api, email if same_address else None).send()
        sizes = _sizes(api)
        assert sizes["flows"] == (4 if same_address else 50) == sizes["continuation_tokens"]
        assert sizes["outbox"] == (3 if same_address else 40)


def test_a_flow_without_tokens_is_forgotten_at_once(api: MockApi) -> None:
    """A completed flow (its last token spent) leaves nothing behind but the account it created."""
    signed_up = signup.after_sign_up(api.actor(OTP_APP), api.target)
    assert signed_up.send(scope="openid").status == 200
    assert _sizes(api)["flows"] == _sizes(api)["continuation_tokens"] == 0
    assert _initiate(api, signed_up.address).status == 200
