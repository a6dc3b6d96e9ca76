"""The `/_mock/` control API: fault queues scoped by client-request-id, clock, outbox, deviations, users, reset."""

from __future__ import annotations

import time

import httpx
import pytest
from mock_driver import AVERY, BASIC_APP, OTP_APP, Api, fresh_email

from conformance.mock import create_app
from conformance.transport import InProcessTransport

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
START = "/signup/v1.0/start"


def _start(api: Api, crid: str | None = None) -> httpx.Response:
    return api.post(START, crid=crid, client_id=OTP_APP, challenge_type="oob redirect", username=fresh_email())


def _queue(api: Api, crid: str, endpoint: str, *responses: dict) -> httpx.Response:
    return api.client.post("/_mock/faults", json={"client_request_id": crid, "endpoint": endpoint,
                                                  "responses": list(responses)})


def test_faults_are_scoped_by_client_request_id_and_endpoint(api: Api) -> None:
    """A queued response is served only to its client-request-id and endpoint, in order, once each."""
    assert _queue(api, A, START, {"row": "E1.user_already_exists"}, {"redirect": True}).json() == {"queued": 2}
    assert _start(api, B).status_code == 200
    assert api.post("/oauth2/v2.0/initiate", crid=A, client_id=OTP_APP, challenge_type="oob redirect",
                    username=AVERY).status_code == 200
    assert _start(api, A).json()["error"] == "user_already_exists"
    assert _start(api, A).json() == {"challenge_type": "redirect"}
    assert "continuation_token" in _start(api, A).json()


def test_throttling_raw_and_delayed_faults(api: Api) -> None:
    """429 carries Retry-After and a temporarily_unavailable body; raw status/body faults are served verbatim."""
    _queue(api, A, "/contoso.onmicrosoft.com/oauth2/v2.0/token", {"status": 429, "retry_after": 3},
           {"status": 503, "body": {"oops": True}, "delay_ms": 5},
           {"redirect": True, "redirect_reason": "Client is missing mfa_required capability"})
    throttled = api.client.post("/contoso.onmicrosoft.com/oauth2/v2.0/token", headers={"client-request-id": A})
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "3"
    assert throttled.json()["error"] == "temporarily_unavailable" and throttled.json()["correlation_id"] == A
    raw = api.client.post("/contoso.onmicrosoft.com/oauth2/v2.0/token", headers={"client-request-id": A})
    assert (raw.status_code, raw.json()) == (503, {"oops": True})
    assert api.post("/oauth2/v2.0/token", crid=A).json()["redirect_reason"].startswith("Client is missing")


def test_fault_listing_clearing_and_refusals(api: Api) -> None:
    """GET lists queues, DELETE clears them; malformed fault specs are refused with 400."""
    _queue(api, A, START, {"row": "E1.user_already_exists"})
    assert api.client.get("/_mock/faults").json()["faults"][0]["client_request_id"] == A
    assert api.client.delete("/_mock/faults").json() == {"queued": 0}
    assert _start(api, A).status_code == 200
    for bad in ({"row": "E1.nope"}, {"status": 99}, {"redirect": True, "surprise": 1}, {}):
        response = _queue(api, A, START, bad)
        assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert _queue(api, A, "/signup/v9/start", {"redirect": True}).status_code == 400


def test_clock_advance_expires_tokens(api: Api) -> None:
    """Advancing the mock clock past the token lifetime yields `expired_token` (§7.1); the offset can be reset."""
    token = _start(api).json()["continuation_token"]
    before = api.client.get("/_mock/clock").json()
    after = api.client.post("/_mock/clock", json={"advance_seconds": 601}).json()
    assert after["now"] - before["now"] >= 601 and after["offset"] == 601
    api.fails("/signup/v1.0/challenge", "expired_token", client_id=OTP_APP, continuation_token=token)
    assert api.client.post("/_mock/clock", json={"advance_seconds": -5}).status_code == 400
    assert api.client.post("/_mock/clock", json={"offset_seconds": 0}).json()["offset"] == 0
    assert api.client.post("/_mock/clock", json={}).status_code == 400


def test_clock_advanced_for_one_request_id_leaves_the_rest_on_time(api: Api) -> None:
    """A clock moved for one client-request-id expires tokens for its requests only (other flows unaffected)."""
    token = _start(api).json()["continuation_token"]
    assert api.client.post("/_mock/clock", json={"advance_seconds": 601, "client_request_id": A}).status_code == 200
    assert api.client.get("/_mock/clock").json()["offset"] == 0
    expired = api.post("/signup/v1.0/challenge", crid=A, client_id=OTP_APP, continuation_token=token)
    assert expired.status_code == 400 and expired.json()["error"] == "expired_token"
    assert expired.json()["timestamp"] > time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(time.time() + 590))
    fresh = _start(api, B).json()["continuation_token"]
    assert api.post("/signup/v1.0/challenge", crid=B, client_id=OTP_APP, continuation_token=fresh).status_code == 200
    bad = {"advance_seconds": 1, "client_request_id": " "}
    assert api.client.post("/_mock/clock", json=bad).status_code == 400


def test_outbox_lists_messages_oldest_first(api: Api) -> None:
    """The outbox records to, channel, code, purpose, sent_at and the request's client-request-id."""
    email = fresh_email()
    token = api.signup_start(email)
    api.post("/signup/v1.0/challenge", crid=A, client_id=OTP_APP, continuation_token=token)
    messages = api.client.get("/_mock/outbox", params={"to": email.upper()}).json()["messages"]
    assert len(messages) == 1
    assert messages[0].keys() == {"to", "channel", "code", "purpose", "sent_at", "client_request_id"}
    assert (messages[0]["channel"], messages[0]["purpose"], messages[0]["client_request_id"]) == ("email", "signup", A)
    assert api.client.get("/_mock/outbox", params={"to": "nobody@example.com"}).json() == {"messages": []}


def test_deviation_switching(api: Api) -> None:
    """Deviations are listed with descriptions and switched on and off by name; unknown names are refused."""
    listing = api.client.get("/_mock/deviations").json()
    assert listing["enabled"] == [] and "accept_reused_token" in listing["available"]
    assert api.client.post("/_mock/deviations", json={"enable": ["drop_trace_id"]}).json()["enabled"] == [
        "drop_trace_id"
    ]
    assert api.client.post("/_mock/deviations", json={"disable": ["drop_trace_id"]}).json()["enabled"] == []
    assert api.client.post("/_mock/deviations", json={"enable": ["nope"]}).status_code == 400


def test_users_can_be_seeded_and_reset_restores_the_tenant(api: Api) -> None:
    """`POST /_mock/users` adds a user; `POST /_mock/reset` forgets it and everything else."""
    seeded = api.client.post("/_mock/users", json={"email": "Pat@Example.com", "password": "Pat-Pass-2026!",
                                                   "mfa_methods": [{"channel": "sms", "target": "+14255550111"}]})
    assert seeded.status_code == 201 and seeded.json()["email"] == "pat@example.com"
    assert api.password_grant("pat@example.com", "Pat-Pass-2026!").status_code == 200
    bad = api.client.post("/_mock/users", json={"email": "pat@example.com", "mfa_methods": [{"channel": "fax"}]})
    assert bad.json()["detail"] == "user: mfa_methods[0].channel: must be one of email, sms; got 'fax'"
    api.deviate("drop_trace_id")
    assert api.client.post("/_mock/reset").json() == {"reset": True}
    api.fails("/oauth2/v2.0/initiate", "user_not_found", client_id=BASIC_APP, challenge_type="password redirect",
              username="pat@example.com")
    assert api.client.get("/_mock/outbox").json() == {"messages": []}


@pytest.mark.parametrize("path", ["/_mock/outbox", "/_mock/reset"])
def test_control_api_absent_when_disabled(path: str) -> None:
    """`create_app(control=False)` serves no control API: a documented-style 404."""
    transport = InProcessTransport(create_app(control=False))
    with httpx.Client(transport=transport, base_url="http://mock.test") as client:
        response = client.request("GET" if path.endswith("outbox") else "POST", path)
    transport.shutdown()
    assert response.status_code == 404 and response.json()["error"] == "invalid_request"
