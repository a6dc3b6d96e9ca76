"""Malformed requests get documented-style JSON errors (4xx), never a 5xx; unknown paths and methods included."""

from __future__ import annotations

import random
from urllib.parse import urlencode

import httpx
import pytest
from mock_support import OTP_APP, PASSWORD_APP, MockApi, fresh_email

from conformance.contract import openapi
from conformance.contract.vocabulary import usage
from conformance.mock.endpoints import ENDPOINTS

BASE = "/contoso.onmicrosoft.com"
START, TOKEN = openapi.path_of("signupStart"), openapi.path_of("token")
FORM = "application/x-www-form-urlencoded"
ADVERTISED = usage().advertised("signup", "email_otp")  # what the OTP app's client sends at E1 (§7.2)
ENVELOPE = {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"}


def _raw(client: httpx.Client, path: str, content: bytes | str, content_type: str | None = FORM) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    return client.post(BASE + path, content=content, headers=headers)


def _documented_error(response: httpx.Response, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-ms-request-id"] == response.headers["client-request-id"]
    body = response.json()
    assert body.keys() >= ENVELOPE and body["error_description"].startswith("AADSTS")
    return body


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"client_id": "22223333-cccc-4444-dddd-5555eeee6666"}', "application/json"),
        (b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--x--", "multipart/form-data; boundary=x"),
        (b"client_id=a&client_id=b", FORM),
        (b"username=" + b"a" * 70_000, FORM),
        (b"client_id=\xff\xfe", FORM),
        (b"client_id=%ff%fe", FORM),
        (b"", FORM),
        (b"&".join(b"f%d=1" % i for i in range(100)), FORM),
    ],
    ids=["json", "multipart", "duplicated", "huge", "raw-non-utf8", "pct-non-utf8", "empty", "many-fields"],
)
def test_malformed_bodies_are_invalid_request(client: httpx.Client, content: bytes, content_type: str) -> None:
    """Wrong content type, duplicated/huge/non-UTF-8 parameters are the endpoint's `invalid_request` (§1, §7)."""
    body = _documented_error(_raw(client, START, content, content_type))
    assert body["error"] == "invalid_request"


def test_form_without_content_type_is_accepted(client: httpx.Client) -> None:
    """The documented E9/E10 examples omit Content-Type (ERR-38); the mock still reads the form."""
    body = urlencode({"client_id": OTP_APP, "challenge_type": ADVERTISED, "username": fresh_email()})
    response = _raw(client, START, body, content_type=None)
    assert response.status_code == 200 and "continuation_token" in response.json()


@pytest.mark.parametrize("attributes", ["{not json", "[1, 2]", "[" * 5000, '"a string"', "null"])
def test_bad_attributes_json_is_invalid_request(api: MockApi, attributes: str) -> None:
    """`attributes` must be a JSON object serialized as a string (§7.4); anything else is `invalid_request`."""
    api.fails("signupStart", "invalid_request", client_id=OTP_APP, challenge_type=ADVERTISED,
              username=fresh_email(), attributes=attributes)


def test_unknown_paths_and_methods(client: httpx.Client) -> None:
    """Unknown paths answer a documented-style 404, wrong methods a 405 with Allow; no slash redirects."""
    _documented_error(client.post(BASE + START.replace("/v1.0/", "/v2.0/")), 404)  # a version that does not exist
    _documented_error(client.post("/fabrikam.onmicrosoft.com" + START), 404)
    _documented_error(client.post(BASE + START + "/"), 404)
    response = client.get(BASE + TOKEN)
    _documented_error(response, 405)
    assert response.headers["allow"] == "POST"
    _documented_error(client.put(BASE + TOKEN), 405)


def test_odd_but_wellformed_values(api: MockApi) -> None:
    """Blank, oversized and strange parameter values are refused as documented, not crashed on."""
    api.fails("signupStart", "invalid_request", client_id="  ", challenge_type=ADVERTISED, username="x")
    api.fails("signupStart", "invalid_request", client_id=OTP_APP, challenge_type=ADVERTISED,
              username="not-an-email")
    api.fails("signupStart", "invalid_request", client_id=OTP_APP, challenge_type=ADVERTISED,
              username=fresh_email(), capabilities="mfa_required teleport")
    api.fails("registerChallenge", "invalid_request", client_id=PASSWORD_APP, continuation_token="x",
              challenge_type="oob", challenge_target="+1", challenge_channel="pigeon")
    api.fails("token", "invalid_request", client_id=OTP_APP, grant_type="oob", continuation_token="x")


def test_random_bytes_never_yield_a_5xx(client: httpx.Client) -> None:
    """Random bodies to every endpoint answer JSON 4xx (the fixture also asserts no internal error was logged)."""
    rng = random.Random(4711)
    for path in ENDPOINTS:
        for _ in range(8):
            content = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
            response = _raw(client, path, content, rng.choice([FORM, None, "text/plain"]))
            assert 400 <= response.status_code < 500, (path, content, response.text)
            assert response.json()["error"]
