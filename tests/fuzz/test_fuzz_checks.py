"""The fuzz checks: form bodies judged as sent, error envelopes, secret echoes, and schema-engine disagreements."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import requests
from fuzz_support import BASE, CLIENT_ID, FORM, GUID, case, error_body, response

from conformance.contract import openapi
from conformance.fuzz import checks, corpus

INITIATE = openapi.path_of("signinInitiate")
START = openapi.path_of("signupStart")


def evaluate(sent: Any, answered: Any) -> list[tuple[str, str, str, bool]]:
    found: list[tuple[str, str, str, bool]] = []
    checks.evaluate(sent, answered, lambda *args: found.append(args))
    return found


@pytest.mark.parametrize(
    ("fields", "valid"),
    [
        ({"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"}, True),
        # an unknown field is allowed (any form value is a string once encoded)
        ({"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect", "x": "-74"}, True),
        # an empty optional field reads as absent (form semantics)
        ({"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect", "capabilities": ""}, True),
        # an empty required field does not
        ({"client_id": CLIENT_ID, "username": "", "challenge_type": "redirect"}, False),
        ({"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "oob"}, False),
        (None, False),  # a repeated field or an undecodable body
    ],
)
def test_negative_cases_are_judged_as_sent(fields: dict[str, str] | None, valid: bool) -> None:
    assert (not checks.form_problems(INITIATE, fields)) is valid


FORM_FIELDS = {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"}


@pytest.mark.parametrize(
    ("method", "headers", "problem"),
    [
        ("POST", {"Content-Type": FORM}, None),
        ("GET", {"Content-Type": FORM}, "method GET, documented: POST"),
        ("POST", {"Content-Type": "text/plain"}, "media type 'text/plain'"),
        ("POST", {"Content-Type": FORM, "client-request-id": "not-a-guid"}, None),  # any string (issue 15)
    ],
)
def test_the_whole_request_is_judged_as_sent(method: str, headers: dict[str, str], problem: str | None) -> None:
    """Method, media type and header parameters count too, not only the form."""
    sent = case("signinInitiate", FORM_FIELDS)
    request = requests.Request(method, f"{BASE}{INITIATE}", data=FORM_FIELDS, headers=headers).prepare()
    problems = checks.wire_problems(sent, request)
    assert problems == [] if problem is None else problem in problems[0]


def test_a_header_its_schema_refuses_makes_the_request_invalid() -> None:
    """A header parameter with a constraint (none is left in the spec: `client-request-id` takes any string) is held
    to it, so a target that does not enforce a constraint the spec states is found."""
    sent = case("signinInitiate", FORM_FIELDS)
    strict = SimpleNamespace(name="client-request-id", is_required=False, is_valid=lambda value: value == GUID)
    sent.operation = SimpleNamespace(  # type: ignore[assignment]
        method="post", headers=[strict], get_request_payload_content_types=lambda: [FORM]
    )
    for value, problems in ((GUID, []), ("0.5", ["header client-request-id: '0.5' breaks its schema"])):
        request = requests.Request("POST", f"{BASE}{INITIATE}", data=FORM_FIELDS,
                                   headers={"client-request-id": value}).prepare()
        assert checks.wire_problems(sent, request) == problems


def test_an_accepted_negative_case_names_what_is_invalid_as_sent() -> None:
    sent = corpus.coverage("signupStart")
    broken = next(c for c in sent if c.meta.phase.data.location == "/properties/challenge_type/pattern")
    found = evaluate(broken, response(broken, 200, {"continuation_token": "tok"}))
    (rejection,) = [f for f in found if f[0] == "negative_data_rejection"]
    assert "Invalid as sent: form $.challenge_type:" in rejection[2]


def test_a_documented_answer_passes_every_check() -> None:
    sent = case("signinInitiate", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"})
    assert evaluate(sent, response(sent, 400, error_body("user_not_found"))) == []


def test_an_undocumented_error_value_fails_schema_and_envelope_checks() -> None:
    sent = case("signinInitiate", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"})
    found = {check for check, *_ in evaluate(sent, response(sent, 400, error_body("user_does_not_exist")))}
    assert found == {"response_schema_conformance", "error_envelope"}


def test_a_server_error_fails_schemathesis_checks() -> None:
    sent = case("signupStart", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"})
    found = {check for check, *_ in evaluate(sent, response(sent, 500, error_body("server_error")))}
    assert {"not_a_server_error", "status_code_conformance", "error_envelope"} <= found


def test_engines_disagreeing_is_a_warning_and_the_project_decides() -> None:
    """schemathesis knows no `x-verdict`: a non-GUID `trace_id` breaks the schema for it, the project says warning."""
    sent = case("signinInitiate", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"})
    body = error_body("user_not_found", trace_id="d6966055-...-80500")
    found = evaluate(sent, response(sent, 400, body))
    assert [(check, warning) for check, _, _, warning in found] == [("schema_disagreement", True)]
    assert "schemathesis says invalid" in found[0][1] and "project's validators say valid" in found[0][1]


def test_an_echoed_password_is_found() -> None:
    sent = case("signupStart", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect",
                                "password": "Hunter-2-Secret!"})
    body = error_body("invalid_grant", error_description="AADSTS1: password Hunter-2-Secret! is too weak")
    found = evaluate(sent, response(sent, 400, body))
    assert ("secret_echo", "the response echoes the `password` that was sent") in [f[:2] for f in found]


def test_a_short_or_correlated_secret_is_not_judged() -> None:
    sent = case("signupStart", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect",
                                "password": GUID[:8]}, headers={"client-request-id": GUID})
    assert checks.echoed_secrets({"password": "12345"}, {}, response(sent, 400, {}), {"x": "12345"}) == []
    assert checks.echoed_secrets({"password": GUID[:8]}, {"client-request-id": GUID}, response(sent, 400, {}),
                                 {"correlation_id": GUID}) == []


@pytest.mark.parametrize(
    ("password", "echoed"),
    [("500340", False), ("AADSTS", False), ("003401", False), ("500340", True), ("Hunter-2-Secret!", True)],
)
def test_a_secret_counts_as_echoed_only_as_a_whole_token(password: str, echoed: bool) -> None:
    """A drawn password that only occurs inside a longer word or number of the answer (an AADSTS code) is coincidence;
    the same value between non-alphanumerics is an echo."""
    text = f"AADSTS5003401: the password '{password}' is wrong" if echoed else "AADSTS5003401: user not found"
    sent = case("signupStart", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect",
                                "password": password})
    found = checks.echoed_secrets({"password": password}, {}, response(sent, 400, {}), {"error_description": text})
    assert found == (["password"] if echoed else [])


def test_documented_errors_of_an_undocumented_status_are_the_400_table() -> None:
    assert checks.documented_errors(START, 404) == checks.documented_errors(START, 400)
    assert "user_already_exists" in checks.documented_errors(START, 400)
