"""Findings: one per distinct problem, grouped per case, each with a curl reproducer whose secrets are redacted."""

from __future__ import annotations

from fuzz_support import BASE, CLIENT_ID, case, response

from conformance.contract import openapi
from conformance.fuzz.findings import Finding, Findings, reproducer

PASSWORD = "Hunter-2-Secret!"
TOKEN = "AQABAAEAAAAtyolDObpQQ5VtlI4uGjEPeu"


def test_reproducer_is_curl_with_secrets_redacted() -> None:
    sent = case("token", {"client_id": CLIENT_ID, "continuation_token": TOKEN, "grant_type": "password",
                          "scope": "openid", "password": PASSWORD})
    answered = response(sent, 200, {"access_token": "eyJhbGciOiJSUzI1NiJ9.e30.sig", "token_type": "Bearer"})
    text = reproducer(sent, answered, BASE, note="found with --fuzz-seed 1")
    assert "reproduce: curl -X POST" in text and f"{BASE}{openapi.path_of('token')}" in text
    assert "grant_type=password" in text and "found with --fuzz-seed 1" in text
    for secret in (PASSWORD, "Hunter-2-Secret%21", TOKEN, "eyJhbGciOiJSUzI1NiJ9.e30.sig"):
        assert secret not in text
    assert "continuation_token=AQAB…#" in text and "password=…#" in text


def test_an_otp_is_redacted() -> None:
    sent = case("ssprContinue", {"client_id": CLIENT_ID, "continuation_token": TOKEN, "grant_type": "oob",
                                 "oob": "12345678"})
    text = reproducer(sent, response(sent, 400, {"error": "invalid_grant"}), BASE)
    assert "12345678" not in text and "oob=…#" in text


def test_findings_count_repeats_and_group_per_case() -> None:
    found = Findings()
    for _ in range(3):
        found.add(Finding("not_a_server_error", "E1", "Server error", "  detail", "  reproduce: curl A"))
    found.add(Finding("status_code_conformance", "E1", "Undocumented status code", "  500", "  reproduce: curl A"))
    found.add(Finding("schema_disagreement", "E1", "engines differ", "  why", "  reproduce: curl B", warning=True))
    ((requirement, text),) = found.grouped(warning=False)
    assert requirement == "E1" and text.count("reproduce: curl A") == 1
    assert "Server error (seen 3x)" in text and "Undocumented status code" in text
    assert [f.check for f in found.warnings] == ["schema_disagreement"]
