"""Concurrent flows (in-process and over real HTTP with uvicorn) never cross state; single use holds under races.

Each flow is walked as the suites walk it (`conformance.walker`), fifty at once from as many threads; every answer is
schema-validated as it arrives (`MockApi`)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
from mock_support import BASIC_APP, CASEY, CASEY_PASSWORD, OTP_APP, MockApi, served_api

from conformance.walker import signin, signup

FLOWS = 50


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _signup_then_signin(api: MockApi) -> str:
    """One user's complete OTP sign-up (an address of its own), auto sign-in, then a fresh OTP sign-in, every request
    under the flow's own client-request-id; returns the id-token email."""
    crid = str(uuid.uuid4())
    actor = api.actor(OTP_APP, request_id=crid)
    signed_up = signup.after_sign_up(actor, api.target)
    auto = signed_up.send(scope="openid")
    signed_in = signin.sign_in(actor, signed_up.address, scopes=["openid"])
    assert signed_in.token.status == 200 and signed_in.token.headers["x-ms-request-id"] == crid
    first, second = (_claims(answer.json["id_token"]) for answer in (auto, signed_in.token))
    assert first["email"] == second["email"] == signed_up.address and first["oid"] == second["oid"]
    messages = api.http.get("/_mock/outbox", params={"to": signed_up.address}).json()["messages"]
    assert len(messages) == 2 and all(m["client_request_id"] == crid for m in messages)
    return second["email"]


def _many(api: MockApi) -> None:
    with ThreadPoolExecutor(FLOWS) as pool:
        emails = list(pool.map(lambda _: _signup_then_signin(api), range(FLOWS)))
    assert len(set(emails)) == FLOWS


def _race(api: MockApi) -> None:
    """Twenty simultaneous presentations of one continuation token: exactly one succeeds (§7.1)."""
    challenge = signin.signin_challenge(api.actor(BASIC_APP, request_id=str(uuid.uuid4())), (CASEY, CASEY_PASSWORD))
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: challenge.send(), range(20)))
    assert sorted(a.status for a in answers) == [200] + [400] * 19
    winner = next(a for a in answers if a.status == 200).continuation_token
    final = api.send("token", client_id=BASIC_APP, continuation_token=winner, grant_type="password",
                     password=CASEY_PASSWORD, scope="openid")
    assert final.status == 200


def test_fifty_flows_in_process(api: MockApi) -> None:
    """≥ 50 simultaneous sign-up + sign-in flows in-process: every user gets their own tokens."""
    _many(api)
    _race(api)


def test_fifty_flows_over_uvicorn(served: str) -> None:
    """The same load over real HTTP (uvicorn on an ephemeral loopback port)."""
    with served_api(served) as api:
        _many(api)
        _race(api)
