"""The mock over real HTTP: uvicorn on an ephemeral loopback port, driven by a plain httpx client."""

from __future__ import annotations

import asyncio
import socket

import jwt
from mock_support import BASIC_APP, ROBIN, served_api

from conformance.contract import openapi
from conformance.mock.cli import listen
from conformance.walker import signin, sspr


def test_password_reset_and_signin_over_http(served: str) -> None:
    """SSPR then password sign-in over a socket; headers, discovery issuer and JWKS agree with the tokens."""
    with served_api(served) as api:
        actor = api.actor(BASIC_APP)
        polling = sspr.sspr_poll(actor, (ROBIN, None), new="Robin-Http-2027!")
        assert polling.expect().json["status"] == "in_progress"
        api.advance(polling.trail["E14"].json["poll_interval"])
        assert polling.expect().json["status"] == "succeeded"
        response = signin.password_grant(actor, (ROBIN, "Robin-Http-2027!")).expect()
        assert response.headers["client-request-id"] == response.headers["x-ms-request-id"]
        discovery = openapi.metadata_path("discovery")
        config = api.http.get(api.target.profile.base_url + discovery).json()
        assert config["issuer"] == f"{served}/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0"
        assert api.http.get(f"{served}/aaaabbbb-0000-cccc-1111-dddd2222eeee{discovery}").json() == config
        key = jwt.PyJWK(api.http.get(config["jwks_uri"]).json()["keys"][0])
        claims = jwt.decode(response.json["id_token"], key, algorithms=["RS256"], audience=BASIC_APP,
                            issuer=config["issuer"], leeway=60)  # iat is on the advanced mock clock
        assert claims["email"] == ROBIN


def test_served_connections_do_not_wait_for_delayed_acks() -> None:
    """`mock serve`'s listener hands asyncio connections with TCP_NODELAY set, as asyncio's own listeners do: without
    it a keep-alive client waits ~40 ms per response (Nagle against delayed ACK)."""
    nodelay: list[int] = []

    async def accept_one() -> None:
        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nodelay.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(connected, sock=listen("127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        while not nodelay:
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(asyncio.wait_for(accept_one(), 10))
    assert nodelay == [1]
