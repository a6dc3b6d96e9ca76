"""What the mock remembers is bounded (tenant `[retention]`): spent tokens go at once, the rest by age and by count,
and whatever is forgotten answers as unknown."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from mock_driver import BASIC_APP, CASEY, CASEY_PASSWORD, OTP_APP, Api, fresh_email, in_process

from conformance.contract import errors
from conformance.mock import create_app, load_tenant
from conformance.mock.config import Retention

CHALLENGE = "/signup/v1.0/challenge"
INVALID = errors.table().served("E2", "invalid_token")[0].error  # what E2 answers a token it does not know


def _api(**bounds: int) -> Iterator[Api]:
    tenant = dataclasses.replace(load_tenant(), retention=dataclasses.replace(Retention(), **bounds))
    with in_process(create_app(tenant)) as client:
        yield Api(client)


def _sizes(api: Api) -> dict[str, int]:
    return api.client.get("/_mock/state").json()["sizes"]


def _challenge(api: Api, token: str) -> httpx.Response:
    return api.post(CHALLENGE, client_id=OTP_APP, continuation_token=token)


def test_spent_tokens_are_forgotten_at_once(api: Api) -> None:
    """A step's token is dropped when the step spends it (one token per flow in progress); reuse stays invalid."""
    token = api.signup_start(fresh_email())
    assert _challenge(api, token).status_code == 200
    assert _sizes(api)["continuation_tokens"] == 1 and _sizes(api)["flows"] == 1
    assert _challenge(api, token).json()["error"] == INVALID


def test_reused_token_deviation_still_accepts_spent_tokens(api: Api) -> None:
    """Under `accept_reused_token` spent tokens are kept (while their flow lives) and accepted again."""
    api.deviate("accept_reused_token")
    token = api.signup_start(fresh_email())
    assert _challenge(api, token).status_code == 200
    assert _challenge(api, token).status_code == 200


def test_flows_per_username_are_bounded() -> None:
    """Beyond `flows_per_address` flows for one username the oldest is forgotten: its token is then invalid."""
    for api in _api(flows_per_address=2):
        email = fresh_email()
        first, second, third = (api.signup_start(email) for _ in range(3))
        assert _challenge(api, first).json()["error"] == INVALID
        assert _challenge(api, second).status_code == _challenge(api, third).status_code == 200
        assert _sizes(api)["flows"] == 2


def test_flows_in_progress_are_bounded_least_recently_used_first() -> None:
    """Beyond `flows` flows the least recently used is forgotten (a flow used since stays)."""
    for api in _api(flows=2):
        first, second = api.signup_start(fresh_email()), api.signup_start(fresh_email())
        first = _challenge(api, first).json()["continuation_token"]  # `first` is now the most recently used
        api.signup_start(fresh_email())
        assert _sizes(api)["flows"] == 2
        assert _challenge(api, second).json()["error"] == INVALID
        assert api.post("/signup/v1.0/challenge", client_id=OTP_APP, continuation_token=first).status_code == 200


def test_expired_tokens_answer_expired_during_the_grace_then_go() -> None:
    """An expired token answers `expired_token` for `expired_token_grace` seconds; then its flow is forgotten."""
    for api in _api(expired_token_grace=100):
        token = api.signup_start(fresh_email())
        api.advance(650)
        assert _challenge(api, token).json()["error"] == "expired_token"
        api.advance(100)
        api.signup_start(fresh_email())  # issuing looks at the oldest flows and lets the expired one go
        assert _sizes(api)["flows"] == 1
        assert _challenge(api, token).json()["error"] == INVALID


def test_outbox_is_bounded_per_address_in_all_and_by_age() -> None:
    """The outbox keeps the newest `outbox_per_address` messages per address, `outbox` in all, none past its age."""
    for api in _api(outbox=3, outbox_per_address=2, outbox_max_age=1000):
        email = fresh_email()
        token, first = api.signup_to_otp(email)
        for _ in range(2):  # resends
            token = _challenge(api, token).json()["continuation_token"]
        codes = [m["code"] for m in api.client.get("/_mock/outbox", params={"to": email}).json()["messages"]]
        assert len(codes) == 2 and codes[-1] == api.otp(email)
        others = [fresh_email() for _ in range(2)]
        for other in others:
            api.signup_to_otp(other)
        assert [m["to"] for m in api.client.get("/_mock/outbox").json()["messages"]] == [email, *others]
        api.advance(1001)
        newest = fresh_email()
        api.signup_to_otp(newest)  # sending looks at the oldest messages and lets those past the age go
        assert [m["to"] for m in api.client.get("/_mock/outbox").json()["messages"]] == [newest]


def test_refresh_tokens_are_bounded() -> None:
    """Beyond `refresh_tokens` unredeemed refresh tokens the oldest is forgotten (then `invalid_grant`)."""
    for api in _api(refresh_tokens=1):
        old = api.password_grant(CASEY, CASEY_PASSWORD).json()["refresh_token"]
        new = api.password_grant(CASEY, CASEY_PASSWORD).json()["refresh_token"]
        redeem = {"client_id": BASIC_APP, "grant_type": "refresh_token", "scope": "openid"}
        assert api.post("/oauth2/v2.0/token", refresh_token=old, **redeem).json()["error"] == "invalid_grant"
        assert api.post("/oauth2/v2.0/token", refresh_token=new, **redeem).status_code == 200
        assert _sizes(api)["refresh_tokens"] == 0  # redeemed: rotated away at once


def test_users_added_at_run_time_are_bounded_seeded_ones_never() -> None:
    """Beyond `users` added users the oldest added is forgotten; seeded users stay."""
    for api in _api(users=2):
        added = [fresh_email() for _ in range(3)]
        for email in added:
            assert api.client.post("/_mock/users", json={"email": email}).status_code == 201
        initiate = {"client_id": OTP_APP, "challenge_type": "oob redirect"}
        assert api.post("/oauth2/v2.0/initiate", username=added[0], **initiate).json()["error"] == "user_not_found"
        assert api.post("/oauth2/v2.0/initiate", username=added[2], **initiate).status_code == 200
        assert api.password_grant(CASEY, CASEY_PASSWORD).status_code == 200
        assert _sizes(api)["users"] == 4 + 2


def test_scoped_clocks_and_faults_are_bounded() -> None:
    """At most `scoped_clocks` request ids keep an offset (oldest go); queuing faults past `faults` is refused."""
    for api in _api(scoped_clocks=2, faults=2):
        for crid in ("a", "b", "c"):
            api.client.post("/_mock/clock", json={"advance_seconds": 1, "client_request_id": crid})
        assert sorted(api.client.get("/_mock/clock").json()["scoped"]) == ["b", "c"]
        queue = {"client_request_id": "a", "endpoint": "/signup/v1.0/start", "responses": [{"redirect": True}] * 2}
        assert api.client.post("/_mock/faults", json=queue).status_code == 201
        refused = api.client.post("/_mock/faults", json=queue)
        assert refused.status_code == 400 and "retention.faults" in refused.json()["detail"]


@pytest.mark.parametrize("same_address", [True, False], ids=["one-address", "fresh-addresses"])
def test_state_stays_within_its_bounds_under_sustained_load(same_address: bool) -> None:
    """600 sign-up starts and challenges leave at most the bounded number of flows, tokens and messages."""
    for api in _api(flows=50, flows_per_address=4, outbox=40, outbox_per_address=3):
        email = fresh_email()
        for _ in range(300):
            _challenge(api, api.signup_start(email if same_address else fresh_email()))
        sizes = _sizes(api)
        assert sizes["flows"] == (4 if same_address else 50) == sizes["continuation_tokens"]
        assert sizes["outbox"] == (3 if same_address else 40)


def test_a_flow_without_tokens_is_forgotten_at_once(api: Api) -> None:
    """A completed flow (its last token spent) leaves nothing behind but the account it created."""
    email = fresh_email()
    api.tokens(OTP_APP, api.signup(email, attrs={"displayName": "Pat"}), scope="openid")
    assert _sizes(api)["flows"] == _sizes(api)["continuation_tokens"] == 0
    assert api.post("/oauth2/v2.0/initiate", client_id=OTP_APP, challenge_type="oob redirect",
                    username=email).status_code == 200
