"""Every named check can fail: real mock answers pass, and each one tampered breaks the requirement it checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from harness_support import CASEY, CASEY_PASSWORD, DROP, OTP_APP, PASSWORD_APP, Faults, run, tampered

from conformance import checks
from conformance.client import ApiResponse, NativeAuthClient
from conformance.contract import errors, openapi
from conformance.contract.vocabulary import usage
from conformance.steps import NativeAuthSteps
from conformance.target import Target
from conformance.verdicts import Finding, Severity, SeverityPolicy, TargetDeviation, Verdict, basis

STRICT = "E3a.invalid_grant.invalid_oob_value"  # AADSTS 50181, no erratum: a wrong answer is a FAILURE
CITED = "E3b.invalid_grant.password_too_weak"  # cites ERR-07 and ERR-12, neither of which softens a check of it
FAILURE, WARNING = Severity.FAILURE, Severity.WARNING


@pytest.fixture
def row_response(api: NativeAuthClient, faults: Faults) -> Callable[[str], ApiResponse]:
    """The mock's answer for a documented error row, served from its fault queue."""

    def answer(row_id: str) -> ApiResponse:
        row = errors.table().get(row_id)
        crid = faults(row.endpoint, {"row": row_id})
        return api.send(openapi.operation(row.endpoint).operation_id, {"client_id": PASSWORD_APP},
                        client_request_id=crid)

    return answer


@pytest.fixture
def tokens(api: NativeAuthClient) -> ApiResponse:
    """A real token response: Casey signs in with her password, asking for openid and offline_access."""
    steps = NativeAuthSteps(api, PASSWORD_APP)
    token = steps.signin_initiate(CASEY).continuation_token
    token = steps.signin_challenge(token or "").continuation_token
    return steps.token(token or "", "password", password=CASEY_PASSWORD, scope="openid offline_access")


# Verdicts


def test_a_verdict_fails_only_on_failures_not_listed_as_expected() -> None:
    verdict = Verdict(expected_deviations=frozenset({"E1"}))
    assert verdict.check(False, "E1", "listed") is False
    verdict.check(False, "R-CORRELATION-HEADERS", "observed in a client library")
    assert verdict.check(True, "E2", "holds") is True
    verdict.conclude()
    assert verdict.expected == [Finding("E1", FAILURE, "listed")] and verdict.failures == []
    assert [f.requirement for f in verdict.warnings] == ["R-CORRELATION-HEADERS"]
    assert verdict.checked == ["E1", "R-CORRELATION-HEADERS", "E2"]
    verdict.equal("bearer", "Bearer", "R-TOKEN-TYPE", "token_type")
    with pytest.raises(TargetDeviation, match=r"^\[R-TOKEN-TYPE\] token_type: expected 'Bearer', got 'bearer'$"):
        verdict.conclude()


def test_a_broken_checks_severity_comes_from_its_requirements_basis() -> None:
    """Documented rules fail; observed and inferred ones warn, fail when the profile makes them strict, and are not
    checked when it turns them off; an erratum's tolerance warns even under a documented rule."""
    verdict = Verdict(policy=SeverityPolicy(strict=frozenset({"inferred"}), off=frozenset({"R-CORRELATION-HEADERS"})))
    verdict.check(False, "R-TOKEN-EXPIRY", "documented")
    verdict.check(False, "R-CORRELATION-ECHO", "inferred, strict")
    assert verdict.check(False, "R-CORRELATION-HEADERS", "observed, off") is False
    verdict.check(False, "E1.unsupported_challenge_type", "tolerated", tolerated_by="ERR-01")
    assert [(f.requirement, f.severity) for f in verdict.findings] == [
        ("R-TOKEN-EXPIRY", FAILURE),
        ("R-CORRELATION-ECHO", FAILURE),
        ("E1.unsupported_challenge_type", WARNING),
    ]
    assert "R-CORRELATION-HEADERS" not in verdict.checked
    assert verdict.findings[-1].message == "tolerated (ERR-01 tolerates this answer)"
    assert basis("R-CORRELATION-ECHO") == "inferred" and basis("E1.user_already_exists") == "documented"


def test_the_failure_text_starts_with_the_tests_own_requirement() -> None:
    """The headline is the finding under the requirement the test is about, whatever was recorded first."""
    verdict = Verdict(requirements=("E1.user_already_exists",))
    verdict.check(False, "R-ENVELOPE-ERROR-CODES", "error_codes must be a non-empty array of integers")
    verdict.check(False, "E1.user_already_exists", "HTTP status: expected 400, got HTTP 200")
    with pytest.raises(TargetDeviation, match=r"^\[E1\.user_already_exists\] HTTP status"):
        verdict.conclude()


def test_the_same_finding_is_recorded_once() -> None:
    verdict = Verdict()
    for _ in range(3):
        verdict.check(False, "R-CORRELATION-HEADERS", "response headers should echo the client-request-id")
    assert len(verdict.warnings) == 1 and verdict.checked.count("R-CORRELATION-HEADERS") == 3


# Error rows


@pytest.mark.parametrize("row_id", [STRICT, CITED, "E1.user_already_exists"])
def test_the_mocks_documented_error_rows_pass(row_response: Callable[[str], ApiResponse], row_id: str) -> None:
    assert run(checks.error_row, row_response(row_id), row_id) == set()


@pytest.mark.parametrize(
    ("change", "requirement"),
    [
        ({"status": 401}, STRICT),
        ({"error": "invalid_request"}, STRICT),
        ({"suberror": "expired_token"}, STRICT),
        ({"suberror": DROP}, STRICT),
        ({"error_codes": [12345]}, STRICT),
        ({"error_codes": ["50181"]}, "R-ENVELOPE-ERROR-CODES"),
        ({"error_codes": []}, "R-ENVELOPE-ERROR-CODES"),
        ({"error_description": ""}, "R-ENVELOPE-DESCRIPTION"),
        ({"timestamp": "2026-05-01T10:00:00Z"}, "R-ENVELOPE-TIMESTAMP"),
        ({"timestamp": "2026-13-01 10:00:00Z"}, "R-ENVELOPE-TIMESTAMP"),  # types.json's timestamp: no month 13
        ({"trace_id": DROP}, "R-ENVELOPE-TRACE-ID"),
        ({"trace_id": ""}, "R-ENVELOPE-TRACE-ID"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_error_row_fails_a_broken_answer(row_response: Callable[[str], ApiResponse], change: dict[str, Any],
                                         requirement: str) -> None:
    response = tampered(row_response(STRICT), **change)
    assert (requirement, FAILURE) in run(checks.error_row, response, STRICT)


def test_rules_that_are_not_documented_warn(row_response: Callable[[str], ApiResponse]) -> None:
    """The correlation headers are observed in client libraries, the body's echo inferred from Seed002: both warn."""
    response = tampered(row_response(STRICT), drop_header="client-request-id")
    assert run(checks.error_row, response, STRICT) == {("R-CORRELATION-HEADERS", WARNING)}
    echo = tampered(row_response(STRICT), correlation_id="00000000-0000-4000-8000-000000000000")
    assert run(checks.error_row, echo, STRICT) == {("R-CORRELATION-ECHO", WARNING)}


def test_a_non_uuid_trace_id_warns_as_err_65_rules(row_response: Callable[[str], ApiResponse]) -> None:
    assert run(checks.error_row, tampered(row_response(STRICT), trace_id="not-a-uuid"), STRICT) == {
        ("R-ENVELOPE-TRACE-ID", WARNING)
    }


@pytest.mark.parametrize(
    "change",
    [{"status": 401}, {"error": "invalid_request"}, {"error_codes": [12345]}, {"suberror": "password_too_short"}],
)
def test_errata_cited_by_a_row_soften_none_of_its_checks(row_response: Callable[[str], ApiResponse],
                                                         change: dict[str, Any]) -> None:
    """No erratum softens a whole row: a row citing errata still fails each check no erratum softens there."""
    found = run(checks.error_row, tampered(row_response(CITED), **change), CITED)
    assert (CITED, FAILURE) in found and (CITED, WARNING) not in found


def test_an_erratum_does_not_soften_the_envelope_rules(row_response: Callable[[str], ApiResponse]) -> None:
    response = tampered(row_response(CITED), error_codes=["399246"])
    assert ("R-ENVELOPE-ERROR-CODES", FAILURE) in run(checks.error_row, response, CITED)


def test_a_success_where_an_error_was_due_is_said_once_by_the_status_check(
    row_response: Callable[[str], ApiResponse],
) -> None:
    """A 200 success answer to an error row fails the row's status check, not every envelope field."""
    success = tampered(row_response(STRICT), status=200, error=DROP, error_codes=DROP, error_description=DROP,
                       timestamp=DROP, trace_id=DROP, correlation_id=DROP, suberror=DROP, continuation_token="t")
    verdict = Verdict(requirements=(STRICT,))
    checks.error_row(verdict, success, STRICT)
    assert [f.requirement for f in verdict.failures] == [STRICT]
    assert verdict.failures[0].message.startswith("HTTP status: expected 400")


def test_aadsts_codes_are_checked_for_the_condition_provoked(row_response: Callable[[str], ApiResponse]) -> None:
    """E6.invalid_grant's 50126 is the wrong-password code: a bad token refused with another code passes."""
    response = tampered(row_response("E6.invalid_grant"), error_codes=[55200])
    assert run(checks.error_row, response, "E6.invalid_grant", "invalid_token") == set()
    assert ("E6.invalid_grant", FAILURE) in run(checks.error_row, response, "E6.invalid_grant", "invalid_credentials")


def test_a_parent_row_accepts_only_the_suberrors_its_table_documents(
    row_response: Callable[[str], ApiResponse],
) -> None:
    response = row_response("E1.invalid_grant.password_too_weak")
    assert run(checks.error_row, response, "E1.invalid_grant") == set()
    found = run(checks.error_row, tampered(response, suberror="made_up"), "E1.invalid_grant")
    assert ("E1.invalid_grant", FAILURE) in found


def test_an_undocumented_status_breaks_the_endpoints_schema(row_response: Callable[[str], ApiResponse]) -> None:
    assert run(checks.schema, tampered(row_response(STRICT), status=418)) == {("E3", FAILURE)}


# Token responses and id tokens


def test_token_response_passes_and_fails_by_scope(tokens: ApiResponse) -> None:
    both = ["openid", "offline_access"]
    assert run(checks.token_response, tokens, both) == set()
    assert run(checks.token_response, tampered(tokens, id_token=DROP), both) == {("R-SCOPE-OPENID", FAILURE)}
    assert run(checks.token_response, tokens, ["openid"]) == {("R-SCOPE-OFFLINE-ACCESS", FAILURE)}
    assert run(checks.token_response, tokens, ["offline_access"]) == {("R-SCOPE-OPENID", FAILURE)}
    assert run(checks.token_response, tampered(tokens, token_type="bearer"), both) == {("R-TOKEN-TYPE", FAILURE)}
    assert run(checks.token_response, tampered(tokens, expires_in="3600"), both) == {("E6", FAILURE)}


@pytest.fixture
def mock_jwks(mock_target: Target) -> dict[str, Any]:
    """The mock's signing keys, found through its OpenID discovery document."""
    with httpx.Client(transport=mock_target.transport) as http:
        discovery = http.get(mock_target.profile.base_url + openapi.metadata_path("discovery")).json()
        return http.get(discovery["jwks_uri"]).json()


@pytest.fixture(scope="module")
def own_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signed(key: rsa.RSAPrivateKey, kid: str, **claims: Any) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_id_token_verifies_against_the_jwks_for_this_client(tokens: ApiResponse, mock_jwks: dict[str, Any]) -> None:
    token = tokens.json["id_token"]
    assert run(checks.id_token, token, mock_jwks, client_id=PASSWORD_APP) == set()
    assert run(checks.id_token, token, mock_jwks, client_id=OTP_APP) == {("R-ID-TOKEN-SIGNED", FAILURE)}


def test_an_id_token_without_email_claims_passes(own_key: rsa.RSAPrivateKey) -> None:
    """With scopes `openid` alone OpenID Connect puts no email or preferred_username in the id_token, and the docs
    ask for none: only the signature, audience, expiry and subject are checked."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(own_key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    now = int(time.time())
    token = signed(own_key, "k1", sub="s", aud=OTP_APP, iat=now, exp=now + 3600)
    assert run(checks.id_token, token, jwks, client_id=OTP_APP) == set()
    nobody = signed(own_key, "k1", aud=OTP_APP, iat=now, exp=now + 3600)
    assert run(checks.id_token, nobody, jwks, client_id=OTP_APP) == {("R-ID-TOKEN-SIGNED", FAILURE)}


def test_id_token_signed_by_a_key_outside_the_jwks_fails(tokens: ApiResponse, mock_jwks: dict[str, Any],
                                                        own_key: rsa.RSAPrivateKey) -> None:
    token = tokens.json["id_token"]
    forged = signed(own_key, jwt.get_unverified_header(token)["kid"], **jwt.decode(token, options={
        "verify_signature": False}))
    assert run(checks.id_token, forged, mock_jwks, client_id=PASSWORD_APP) == {("R-ID-TOKEN-SIGNED", FAILURE)}


def test_an_expired_id_token_fails_beyond_the_clock_skew(own_key: rsa.RSAPrivateKey) -> None:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(own_key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    now = int(time.time())

    def with_expiry(exp: int) -> set[tuple[str, Severity]]:
        token = signed(own_key, "k1", sub="s", aud=OTP_APP, iat=now - 7200, exp=exp)
        return run(checks.id_token, token, jwks, client_id=OTP_APP)

    assert with_expiry(now - checks.CLOCK_SKEW_S // 2) == set()
    assert with_expiry(now - checks.CLOCK_SKEW_S - 60) == {("R-ID-TOKEN-SIGNED", FAILURE)}


# Challenge labels and the redirect answer


def test_masked_label_refuses_the_plain_address(api: NativeAuthClient, mock_target: Target) -> None:
    steps = NativeAuthSteps(api, OTP_APP)
    address = mock_target.new_address()
    token = steps.signup_start(address).continuation_token
    challenge = steps.signup_challenge(token or "")
    assert run(checks.masked_label, challenge, address) == set()
    for plain in (address, f" {address} ", None):
        assert run(checks.masked_label, tampered(challenge, challenge_target_label=plain), address) == {
            ("R-OTP-MASKED-LABEL", FAILURE)
        }


def test_redirect_needs_the_redirect_answer_without_a_token(api: NativeAuthClient, faults: Faults) -> None:
    advertised = usage().advertised("signup", "email_otp")
    form = {"client_id": OTP_APP, "username": "jo@example.com", "challenge_type": advertised}
    crid = faults(openapi.path_of("signupStart"), {"redirect": True})
    redirect = api.send("signupStart", form, client_request_id=crid)
    assert run(checks.redirect, redirect, "R-REDIRECT-REQUIRED") == set()
    carrying = tampered(redirect, continuation_token="abc")
    assert run(checks.redirect, carrying, "R-REDIRECT-REQUIRED") == {("R-REDIRECT-REQUIRED", FAILURE)}
    moved_on = api.send("signupStart", form)
    assert moved_on.status == 200 and moved_on.continuation_token
    assert run(checks.redirect, moved_on, "R-REDIRECT-REQUIRED") == {("R-REDIRECT-REQUIRED", FAILURE)}
