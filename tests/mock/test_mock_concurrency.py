"""Concurrent flows (in-process and over real HTTP with uvicorn) never cross state; single use holds under races."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import jwt
from mock_driver import BASE, BASIC_APP, CASEY, CASEY_PASSWORD, OTP_APP
from starlette.applications import Starlette

from conformance.contract.schemas import validate_response

FLOWS = 50


async def _post(client: httpx.AsyncClient, path: str, crid: str, **form: str) -> dict:
    response = await client.post(BASE + path, data=form, headers={"client-request-id": crid})
    body = response.json()
    assert validate_response(path, response.status_code, body) == [], body
    assert response.headers["x-ms-request-id"] == crid
    return body


async def _code(client: httpx.AsyncClient, email: str, crid: str, count: int) -> str:
    messages = (await client.get("/_mock/outbox", params={"to": email})).json()["messages"]
    assert len(messages) == count and all(m["client_request_id"] == crid for m in messages)
    return messages[-1]["code"]


async def _signup_then_signin(client: httpx.AsyncClient, index: int) -> str:
    """One user's complete OTP sign-up, auto sign-in, then a fresh OTP sign-in; returns the id-token email."""
    email, crid = f"load{index}-{uuid.uuid4().hex[:8]}@example.com", str(uuid.uuid4())
    body = await _post(client, "/signup/v1.0/start", crid, client_id=OTP_APP, challenge_type="oob redirect",
                       username=email, attributes=json.dumps({"displayName": f"Load {index}"}))
    body = await _post(client, "/signup/v1.0/challenge", crid, client_id=OTP_APP,
                       continuation_token=body["continuation_token"])
    body = await _post(client, "/signup/v1.0/continue", crid, client_id=OTP_APP, grant_type="oob",
                       continuation_token=body["continuation_token"], oob=await _code(client, email, crid, 1))
    tokens = await _post(client, "/oauth2/v2.0/token", crid, client_id=OTP_APP, grant_type="continuation_token",
                         continuation_token=body["continuation_token"], scope="openid")
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["email"] == email
    body = await _post(client, "/oauth2/v2.0/initiate", crid, client_id=OTP_APP, challenge_type="oob redirect",
                       username=email)
    body = await _post(client, "/oauth2/v2.0/challenge", crid, client_id=OTP_APP,
                       continuation_token=body["continuation_token"])
    tokens = await _post(client, "/oauth2/v2.0/token", crid, client_id=OTP_APP, grant_type="oob", scope="openid",
                         continuation_token=body["continuation_token"], oob=await _code(client, email, crid, 2))
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["name"] == f"Load {index}"
    return claims["email"]


async def _many(client: httpx.AsyncClient) -> None:
    emails = await asyncio.gather(*(_signup_then_signin(client, i) for i in range(FLOWS)))
    assert len(set(emails)) == FLOWS


async def _race(client: httpx.AsyncClient) -> None:
    """Twenty simultaneous presentations of one continuation token: exactly one succeeds (§7.1)."""
    crid = str(uuid.uuid4())
    response = await client.post(BASE + "/oauth2/v2.0/initiate", data={
        "client_id": BASIC_APP, "challenge_type": "password redirect", "username": CASEY})
    token = response.json()["continuation_token"]
    answers = await asyncio.gather(*(
        client.post(BASE + "/oauth2/v2.0/challenge", data={"client_id": BASIC_APP, "continuation_token": token},
                    headers={"client-request-id": crid})
        for _ in range(20)
    ))
    assert sorted(a.status_code for a in answers) == [200] + [400] * 19
    winner = next(a for a in answers if a.status_code == 200).json()["continuation_token"]
    final = await client.post(BASE + "/oauth2/v2.0/token", data={
        "client_id": BASIC_APP, "continuation_token": winner, "grant_type": "password", "password": CASEY_PASSWORD,
        "scope": "openid"})
    assert final.status_code == 200


def test_fifty_flows_in_process(app: Starlette) -> None:
    """≥ 50 simultaneous sign-up + sign-in flows over httpx.ASGITransport: every user gets their own tokens."""

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
            await _many(client)
            await _race(client)

    asyncio.run(run())


def test_fifty_flows_over_uvicorn(served: str) -> None:
    """The same load over real HTTP (uvicorn on an ephemeral loopback port)."""

    async def run() -> None:
        limits = httpx.Limits(max_connections=FLOWS + 4)
        async with httpx.AsyncClient(base_url=served, limits=limits, timeout=30) as client:
            await _many(client)
            await _race(client)

    asyncio.run(run())
