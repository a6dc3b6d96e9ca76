"""Budgets and pacing: a fuzz run never sends more requests than its budget, paced as the profile says."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fuzz_support import CLIENT_ID, case, error_body, fake_run

from conformance.fuzz import corpus, nearmiss, stateless
from conformance.fuzz.budget import BudgetExhausted, FuzzBudget, Meter
from conformance.verdicts import Severity, Verdict


def refuse(request: httpx.Request) -> httpx.Response:
    return httpx.Response(400, json=error_body("user_not_found"))


def test_request_cap_follows_examples_scenarios_coverage_and_near_misses() -> None:
    systematic = corpus.coverage_size() + nearmiss.most()
    assert FuzzBudget(examples=10, scenarios=2, steps=5).request_cap == 15 * 2 * 10 + 3 * 2 * 5 * 3 + systematic
    assert FuzzBudget(max_requests=7).request_cap == 7


def test_meter_refuses_past_the_cap_and_the_time() -> None:
    meter = Meter(FuzzBudget(max_requests=2))
    meter.acquire()
    meter.acquire()
    with pytest.raises(BudgetExhausted, match="request budget of 2"):
        meter.acquire()
    late = Meter(FuzzBudget(max_time=1), started=time.monotonic() - 2)
    assert late.exhausted == "time budget of 1 s spent"


def test_xdist_workers_share_the_cap_and_the_pace() -> None:
    meter = Meter(FuzzBudget(max_requests=10), requests_per_second=100, workers=2)
    assert meter.cap == 5
    started = time.monotonic()
    for _ in range(3):
        meter.acquire()
    assert time.monotonic() - started >= 2 * 2 / 100


def test_meter_paces_requests() -> None:
    meter = Meter(FuzzBudget(), requests_per_second=50)
    started = time.monotonic()
    for _ in range(5):
        meter.acquire()
    assert time.monotonic() - started >= 4 / 50


def test_a_run_stops_at_its_request_budget() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return refuse(request)

    run = fake_run(handler, FuzzBudget(examples=20, max_requests=7), rps=200)
    stopped = stateless.fuzz_operation(run, "signinInitiate")
    assert len(sent) == 7 and run.meter.sent == 7
    assert stopped == "request budget of 7 spent"
    assert not run.found.failures


def test_an_accepted_token_is_replayed_and_a_second_acceptance_fails() -> None:
    def accept(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"challenge_type": "password", "continuation_token": "tok-2"})

    run = fake_run(accept, FuzzBudget())
    run.execute(case("signupChallenge", {"client_id": CLIENT_ID, "continuation_token": "tok-1"}), "positive")
    assert run.meter.sent == 2  # the case and its replay, both counted
    (finding,) = run.found.failures
    assert (finding.check, finding.requirement) == ("token_reuse", "R-TOKEN-SINGLE-USE")
    assert "tok-1" not in finding.reproducer and "continuation_token=…#" in finding.reproducer


def test_a_continuation_token_field_of_a_step_that_takes_none_is_not_replayed() -> None:
    """The sign-in initiate step (E4) takes no continuation token: one sent as an extra field is ignored, not spent."""
    def accept(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"continuation_token": "tok-2"})

    run = fake_run(accept, FuzzBudget())
    body = {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect", "continuation_token": "tok-1"}
    run.execute(case("signinInitiate", body), "positive")
    assert run.meter.sent == 1 and not run.found.failures and "R-TOKEN-SINGLE-USE" not in run.found.checked


def test_a_refused_replay_passes() -> None:
    answers = iter([
        httpx.Response(200, json={"challenge_type": "password", "continuation_token": "tok-2"}),
        httpx.Response(400, json=error_body("invalid_grant")),
    ])
    run = fake_run(lambda request: next(answers), FuzzBudget())
    run.execute(case("signupChallenge", {"client_id": CLIENT_ID, "continuation_token": "tok-1"}), "positive")
    assert not run.found.items and "R-TOKEN-SINGLE-USE" in run.found.checked


def test_a_throttled_answer_is_not_judged_and_holds_the_next_request() -> None:
    def throttle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "0.2"}, content=json.dumps({}).encode())

    run = fake_run(throttle, FuzzBudget())
    sent = case("signinInitiate", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"})
    run.execute(sent, "positive")
    started = time.monotonic()
    run.execute(sent, "positive")
    assert time.monotonic() - started >= 0.15
    assert [f.check for f in run.found.items.values()] == ["throttled"] and not run.found.failures


def test_a_warning_reaches_the_verdict_as_a_warning() -> None:
    """A throttled answer is a warning finding of the run; concluding hands it to the verdict as a WARNING."""
    run = fake_run(lambda request: httpx.Response(429, headers={"Retry-After": "0"}), FuzzBudget())
    run.execute(case("signinInitiate", {"client_id": CLIENT_ID, "username": "a@b.c", "challenge_type": "redirect"}),
                "positive")
    verdict = Verdict()
    run.conclude(verdict, lambda name, value: None)
    assert [finding.severity for finding in verdict.findings] == [Severity.WARNING] and not verdict.failures
