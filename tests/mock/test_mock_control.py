"""The `/_mock/` control API: fault queues scoped by client-request-id, clock, outbox, deviations, users, reset."""

from __future__ import annotations

import time

import httpx
import pytest
from mock_support import AVERY, BASIC_APP, OTP_APP, MockApi, fresh_email, in_process

from conformance.client import ApiResponse
from conformance.contract import openapi
from conformance.mock import create_app
from conformance.walker import signin, signup

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
START = openapi.path_of("signupStart")


def _start(api: MockApi, crid: str | None = None) -> ApiResponse:
    return signup.signup_start(api.actor(OTP_APP), fresh_email()).send(client_request_id=crid)


def _queue(api: MockApi, crid: str, endpoint: str, *responses: dict) -> httpx.Response:
    return api.http.post("/_mock/faults", json={"client_request_id": crid, "endpoint": endpoint,
                                                "responses": list(responses)})


def test_faults_are_scoped_by_client_request_id_and_endpoint(api: MockApi) -> None:
    """A queued response is served only to its client-request-id and endpoint, in order, once each."""
    assert _queue(api, A, START, {"row": "E1.user_already_exists"}, {"redirect": True}).json() == {"queued": 2}
    assert _start(api, B).status == 200
    assert signin.signin_initiate(api.actor(OTP_APP), (AVERY, None)).send(client_request_id=A).status == 200
    assert _start(api, A).error == "user_already_exists"
    assert _start(api, A).json == {"challenge_type": "redirect"}
    assert "continuation_token" in _start(api, A).json


def test_throttling_raw_and_delayed_faults(api: MockApi) -> None:
    """429 carries Retry-After and a temporarily_unavailable body; raw status/body faults are served verbatim; a
    queue names its endpoint with or without the tenant's base."""
    token = api.target.profile.base_url.removeprefix(api.target.profile.control_url or "") + openapi.path_of("token")
    _queue(api, A, token, {"status": 429, "retry_after": 3},
           {"status": 503, "body": {"oops": True}, "delay_ms": 5},
           {"redirect": True, "redirect_reason": "Client is missing mfa_required capability"})
    api.validate = False  # a raw fault's body is no documented answer
    throttled = api.send("token", crid=A)
    assert throttled.status == 429 and throttled.headers["retry-after"] == "3"
    assert throttled.error == "temporarily_unavailable" and throttled.json["correlation_id"] == A
    raw = api.send("token", crid=A)
    assert (raw.status, raw.body) == (503, {"oops": True})
    api.validate = True
    assert api.send("token", crid=A).json["redirect_reason"].startswith("Client is missing")


def test_fault_listing_clearing_and_refusals(api: MockApi) -> None:
    """GET lists queues, DELETE clears them; malformed fault specs are refused with 400."""
    _queue(api, A, START, {"row": "E1.user_already_exists"})
    assert api.http.get("/_mock/faults").json()["faults"][0]["client_request_id"] == A
    assert api.http.delete("/_mock/faults").json() == {"queued": 0}
    assert _start(api, A).status == 200
    for bad in ({"row": "E1.nope"}, {"status": 99}, {"redirect": True, "surprise": 1}, {}):
        response = _queue(api, A, START, bad)
        assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert _queue(api, A, START.replace("/v1.0/", "/v9/"), {"redirect": True}).status_code == 400  # no such endpoint


def test_clock_advance_expires_tokens(api: MockApi) -> None:
    """Advancing the mock clock past the token lifetime yields `expired_token` (§7.1); the offset can be reset."""
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    before = api.http.get("/_mock/clock").json()
    after = api.http.post("/_mock/clock", json={"advance_seconds": 601}).json()
    assert after["now"] - before["now"] >= 601 and after["offset"] == 601
    assert challenge.send().error == "expired_token"
    assert api.http.post("/_mock/clock", json={"advance_seconds": -5}).status_code == 400
    assert api.http.post("/_mock/clock", json={"offset_seconds": 0}).json()["offset"] == 0
    assert api.http.post("/_mock/clock", json={}).status_code == 400


def test_clock_advanced_for_one_request_id_leaves_the_rest_on_time(api: MockApi) -> None:
    """A clock moved for one client-request-id expires tokens for its requests only (other flows unaffected)."""
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    assert api.http.post("/_mock/clock", json={"advance_seconds": 601, "client_request_id": A}).status_code == 200
    assert api.http.get("/_mock/clock").json()["offset"] == 0
    expired = challenge.send(client_request_id=A)
    assert expired.status == 400 and expired.error == "expired_token"
    assert expired.json["timestamp"] > time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(time.time() + 590))
    fresh = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    assert fresh.send(client_request_id=B).status == 200
    bad = {"advance_seconds": 1, "client_request_id": " "}
    assert api.http.post("/_mock/clock", json=bad).status_code == 400


def test_outbox_lists_messages_oldest_first(api: MockApi) -> None:
    """The outbox records to, channel, code, purpose, sent_at and the request's client-request-id."""
    challenge = signup.signup_challenge(api.actor(OTP_APP), fresh_email())
    challenge.send(client_request_id=A)
    email = challenge.address
    messages = api.http.get("/_mock/outbox", params={"to": email.upper()}).json()["messages"]
    assert len(messages) == 1
    assert messages[0].keys() == {"to", "channel", "code", "purpose", "sent_at", "client_request_id"}
    assert (messages[0]["channel"], messages[0]["purpose"], messages[0]["client_request_id"]) == ("email", "signup", A)
    assert api.http.get("/_mock/outbox", params={"to": "nobody@example.com"}).json() == {"messages": []}


def test_deviation_switching(api: MockApi) -> None:
    """Deviations are listed with descriptions and switched on and off by name; unknown names are refused."""
    listing = api.http.get("/_mock/deviations").json()
    assert listing["enabled"] == [] and "accept_reused_token" in listing["available"]
    assert api.http.post("/_mock/deviations", json={"enable": ["drop_trace_id"]}).json()["enabled"] == [
        "drop_trace_id"
    ]
    assert api.http.post("/_mock/deviations", json={"disable": ["drop_trace_id"]}).json()["enabled"] == []
    assert api.http.post("/_mock/deviations", json={"enable": ["nope"]}).status_code == 400


def test_users_can_be_seeded_and_reset_restores_the_tenant(api: MockApi) -> None:
    """`POST /_mock/users` adds a user; `POST /_mock/reset` forgets it and everything else."""
    seeded = api.http.post("/_mock/users", json={"email": "Pat@Example.com", "password": "Pat-Pass-2026!",
                                                   "mfa_methods": [{"channel": "sms", "target": "+14255550111"}]})
    assert seeded.status_code == 201 and seeded.json()["email"] == "pat@example.com"
    assert signin.password_grant(api.actor(BASIC_APP), ("pat@example.com", "Pat-Pass-2026!")).send().status == 200
    bad = api.http.post("/_mock/users", json={"email": "pat@example.com", "mfa_methods": [{"channel": "fax"}]})
    assert bad.json()["detail"] == "user: mfa_methods[0].channel: must be one of email, sms; got 'fax'"
    api.deviate("drop_trace_id")
    assert api.http.post("/_mock/reset").json() == {"reset": True}
    assert signin.signin_initiate(api.actor(BASIC_APP), ("pat@example.com", None)).send().error == "user_not_found"
    assert api.http.get("/_mock/outbox").json() == {"messages": []}


@pytest.mark.parametrize("path", ["/_mock/outbox", "/_mock/reset"])
def test_control_api_absent_when_disabled(path: str) -> None:
    """`create_app(control=False)` serves no control API: a documented-style 404."""
    with in_process(create_app(control=False)) as client:
        response = client.request("GET" if path.endswith("outbox") else "POST", path)
    assert response.status_code == 404 and response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ('{"advance_seconds": Infinity}', "body is not JSON: Infinity is not a JSON number"),
        ('{"advance_seconds": NaN}', "body is not JSON: NaN is not a JSON number"),
        ('{"offset_seconds": 1e308}', "offset_seconds must be from 0 to 1000000000 seconds; got 1e+308"),
        ('{"offset_seconds": 1e400}', "offset_seconds must be a finite number of seconds; got inf"),
        ('{"advance_seconds": 1e308, "client_request_id": "x"}', "advance_seconds must be from 0 to 1000000000"),
        ('{"advance_seconds": true}', "advance_seconds must be a finite number of seconds; got True"),
    ],
    ids=["infinity", "nan", "huge-offset", "overflow", "huge-scoped", "bool"],
)
def test_clock_refuses_what_it_cannot_show_and_errors_stay_documented(api: MockApi, body: str, detail: str) -> None:
    """An offset the mock could not print as a date is a clear 400; the native API keeps answering documented JSON."""
    refused = api.http.post("/_mock/clock", content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 400 and refused.json()["detail"].startswith(detail)
    assert api.http.get("/_mock/clock").json()["offset"] == 0
    error = signin.signin_initiate(api.actor(OTP_APP), (fresh_email(), None)).send()
    assert error.status == 400 and error.error == "user_not_found"
    assert _start(api).status == 200


def test_clock_offsets_add_up_only_within_the_bound(api: MockApi) -> None:
    """Advances add up to at most 10**9 s ahead (about 31 years); the one that would pass it is refused whole."""
    assert api.http.post("/_mock/clock", json={"advance_seconds": 999_999_000}).status_code == 200
    refused = api.http.post("/_mock/clock", json={"advance_seconds": 2000})
    assert refused.status_code == 400 and "offset after advancing" in refused.json()["detail"]
    assert api.http.get("/_mock/clock").json()["offset"] == 999_999_000
    assert signin.signin_initiate(api.actor(OTP_APP), (fresh_email(), None)).send().error == "user_not_found"
