"""Token `iss` and discovery URLs come from the origin fixed at start (tenant file, or the address served), never from
the request's `Host` header."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import httpx
import jwt
from mock_support import CASEY, CASEY_PASSWORD, MockApi, mock_api, served_api

from conformance.contract import openapi
from conformance.mock import create_app, load_tenant
from conformance.walker import signin

TENANT_ID = "aaaabbbb-0000-cccc-1111-dddd2222eeee"
AUTHORITY = "/contoso.onmicrosoft.com"
DISCOVERY = AUTHORITY + openapi.metadata_path("discovery")
EVIL = {"host": "evil.example"}


def _issuers(api: MockApi, headers: dict[str, str]) -> set[str]:
    """The issuer the discovery document names and the `iss` of both tokens, all asked with `headers`."""
    reached = signin.password_grant(api.actor(), (CASEY, CASEY_PASSWORD))
    tokens = api.http.post(AUTHORITY + openapi.path_of("token"), headers=headers, data=reached.form).json()
    config = api.http.get(DISCOVERY, headers=headers).json()
    claims = {jwt.decode(tokens[name], options={"verify_signature": False})["iss"] for name in ("access_token",
                                                                                                 "id_token")}
    urls = {config["issuer"], *(config[key].split(AUTHORITY)[0] + f"/{TENANT_ID}/v2.0"
                                for key in ("jwks_uri", "token_endpoint", "authorization_endpoint"))}
    return claims | urls


def test_host_header_does_not_name_the_issuer_over_http(served: str) -> None:
    """Over a socket, `Host: evil.example` changes neither the tokens' `iss` nor discovery: both name the served
    address."""
    with served_api(served) as api:
        assert _issuers(api, EVIL) == {f"{served}/{TENANT_ID}/v2.0"}


def test_tenant_origin_names_the_issuer() -> None:
    """The tenant file's `[tenant] origin` is the issuer's origin, whatever the Host header or create_app's origin."""
    tenant = dataclasses.replace(load_tenant(), origin="https://login.contoso.test")
    app = create_app(tenant, origin="http://127.0.0.1:1")
    with mock_api(app) as api:
        assert _issuers(api, EVIL) == {f"https://login.contoso.test/{TENANT_ID}/v2.0"}


def test_origin_chosen_at_start_names_the_issuer() -> None:
    """`create_app(origin=...)` (what `mock serve` passes) is the issuer's origin for every request."""
    app = create_app(origin="http://localhost:8765")
    with mock_api(app) as api:
        assert _issuers(api, EVIL) == {f"http://localhost:8765/{TENANT_ID}/v2.0"}


def test_mock_serve_names_the_address_it_binds() -> None:
    """`conformance mock serve --port 0` prints and serves the issuer of the port it really bound."""
    command = [sys.executable, "-c", "from conformance.cli import main; main()", "mock", "serve", "--port", "0",
               "--log-level", "warning"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    try:
        line = process.stderr.readline()
        assert line.startswith("mock tenant at http://127.0.0.1:") and ":0/" not in line, line
        origin = line.split(" at ", 1)[1].strip().removesuffix("/contoso.onmicrosoft.com")
        deadline = time.monotonic() + 20
        while True:
            try:
                config = httpx.get(origin + DISCOVERY, headers=EVIL, timeout=2).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "mock serve did not answer"
                time.sleep(0.05)
        assert config["issuer"] == f"{origin}/{TENANT_ID}/v2.0"
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()
