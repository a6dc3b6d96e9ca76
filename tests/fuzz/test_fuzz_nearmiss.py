"""Near misses: a value the spec names for a field elsewhere, sent where the spec forbids it, the rest of a live
request kept; a target accepting one is found (issue 15's `challenge_type` on password reset)."""

from __future__ import annotations

import httpx
from fuzz_support import CLIENT_ID, case, error_body, fake_run
from schemathesis import Case

from conformance.fuzz import nearmiss
from conformance.fuzz.budget import FuzzBudget

REGISTER = {"client_id": CLIENT_ID, "continuation_token": "tok", "challenge_type": "oob",
            "challenge_target": "a@contoso.com", "challenge_channel": "email"}


def _misses(sent: Case) -> list[tuple[str, str]]:
    return nearmiss.misses(sent, nearmiss.candidates(sent))


def test_documented_values_come_from_every_request_schema() -> None:
    values = nearmiss.documented_values()
    assert {"oob", "oob password redirect", "oob redirect", "redirect"} <= set(values["challenge_type"])
    assert {"oob", "password", "continuation_token", "attributes"} <= set(values["grant_type"])
    assert "username" not in values  # free-form fields name no values


def test_a_near_miss_is_wrong_in_that_field_only() -> None:
    assert _misses(case("registerChallenge", REGISTER)) == [
        ("challenge_type", "oob password redirect"), ("challenge_type", "password redirect"),
        ("challenge_type", "redirect"),
    ]
    reset = {"client_id": CLIENT_ID, "continuation_token": "tok", "grant_type": "oob", "oob": "12345678"}
    assert {value for _, value in _misses(case("ssprContinue", reset))} == {
        "attributes", "continuation_token", "mfa_oob", "password", "refresh_token"
    }
    # another grant_type of E6 is another request step (other fields): no near miss
    token = {"client_id": CLIENT_ID, "continuation_token": "tok", "grant_type": "continuation_token", "scope": "openid"}
    assert _misses(case("token", token)) == []
    # a form that is not valid to begin with has none
    assert _misses(case("registerChallenge", {**REGISTER, "client_id": "x"})) == []


def test_password_reset_takes_the_list_sent_to_every_flow() -> None:
    """ERR-72: `oob password redirect` is no near miss of E11 (the reset start) any more; `oob` (no redirect) is."""
    start = {"client_id": CLIENT_ID, "username": "a@contoso.com", "challenge_type": "oob password redirect"}
    assert _misses(case("ssprStart", start)) == [("challenge_type", "oob")]


def test_a_variant_is_a_negative_case_naming_its_field() -> None:
    sent = nearmiss.variant(case("registerChallenge", REGISTER), "challenge_type", "oob password redirect")
    assert sent.body == {**REGISTER, "challenge_type": "oob password redirect"}
    assert sent.meta is not None and sent.meta.generation.mode.is_negative
    assert sent.meta.phase.data.location == "/properties/challenge_type"
    assert "documented for signinChallenge" in sent.meta.phase.data.description


def test_an_accepted_near_miss_is_a_finding_and_each_is_sent_once() -> None:
    sent: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"challenge_type": "oob", "binding_method": "prompt", "code_length": 8,
                                         "challenge_channel": "email", "challenge_target": "a@contoso.com"})

    run = fake_run(accept, FuzzBudget())
    step = case("registerChallenge", REGISTER)
    run.probe_near_misses(step)
    run.probe_near_misses(step)
    assert run.cases["registerChallenge"]["near miss"] == 3
    assert len(sent) == 6  # an accepted token is replayed once (R-TOKEN-SINGLE-USE)
    (finding,) = [f for f in run.found.failures if f.check == "negative_data_rejection"]
    assert finding.requirement == "R-INVALID-REQUEST-REFUSED" and finding.count == 3
    assert "Invalid as sent: form $.challenge_type" in finding.detail


def test_a_refused_near_miss_passes() -> None:
    run = fake_run(lambda request: httpx.Response(400, json=error_body("invalid_request")), FuzzBudget())
    run.probe_near_misses(case("registerChallenge", REGISTER))
    assert run.meter.sent == 3 and not run.found.failures
