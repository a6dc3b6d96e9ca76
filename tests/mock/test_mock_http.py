"""The mock over real HTTP: uvicorn on an ephemeral loopback port, driven by a plain httpx client."""

from __future__ import annotations

import httpx
import jwt
from mock_driver import BASIC_APP, CASEY, Api


def test_password_reset_and_signin_over_http(served: str) -> None:
    """SSPR then password sign-in over a socket; headers, discovery issuer and JWKS agree with the tokens."""
    with httpx.Client(base_url=served, timeout=10) as client:
        api = Api(client)
        token = api.sspr_to_submit(CASEY)
        body = api.ok("/resetpassword/v1.0/submit", client_id=BASIC_APP, continuation_token=token,
                      new_password="Casey-Http-2027!")
        submitted = body["continuation_token"]
        api.ok("/resetpassword/v1.0/poll_completion", client_id=BASIC_APP, continuation_token=submitted)
        api.advance(body["poll_interval"])
        poll = api.ok("/resetpassword/v1.0/poll_completion", client_id=BASIC_APP, continuation_token=submitted)
        assert poll["status"] == "succeeded"
        response = api.password_grant(CASEY, "Casey-Http-2027!")
        assert response.headers["client-request-id"] == response.headers["x-ms-request-id"]
        config = client.get("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration").json()
        assert config["issuer"] == f"{served}/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0"
        assert client.get(f"{served}/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0/.well-known/openid-configuration"
                          ).json() == config
        key = jwt.PyJWK(client.get(config["jwks_uri"]).json()["keys"][0])
        claims = jwt.decode(response.json()["id_token"], key, algorithms=["RS256"], audience=BASIC_APP,
                            issuer=config["issuer"], leeway=60)  # iat is on the advanced mock clock
        assert claims["email"] == CASEY
