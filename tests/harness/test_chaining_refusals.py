"""The rows that refuse a token at a step (conformance.chaining.refusals), and the checks that judge a step's answer to
a token (`checks.took_token`, `checks.refused_one_of`), each seen to fail on a tampered real answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from harness_support import DROP, PASSWORD_APP, run, tampered

from conformance import checks
from conformance.chaining.refusals import expired_row, grant_rows, invalid_token, reuse_rule, step_tables
from conformance.client import NativeAuthClient
from conformance.contract import errors
from conformance.steps import NativeAuthSteps
from conformance.target import Target
from conformance.verdicts import Severity, Verdict
from conformance.walker import Actor, Reached, reach
from conformance.walker.signup import signup_oob

FAILURE = Severity.FAILURE


def test_a_second_use_breaks_single_use_except_at_e15_which_polls_until_done():
    assert reuse_rule("E13") == "R-TOKEN-SINGLE-USE"
    assert reuse_rule("E15") == "R-SSPR-POLL-AFTER-SUCCESS"


def test_a_steps_token_refusals_are_the_rows_its_table_gives_for_the_condition():
    (row, condition), = invalid_token("E13")
    assert (row.id, condition) == ("E13.invalid_request", "invalid_token")
    assert "invalid_token" in row.conditions
    assert "expired_token" in expired_row("E13").conditions
    assert expired_row("E13").table == "E13"


def test_the_step_tables_are_the_steps_not_their_variants_or_the_generic_table():
    assert step_tables()[:5] == ("E1", "E2", "E3a", "E3b", "E3c")
    assert "E3b-attrs" not in step_tables() and "G-token" not in step_tables()
    assert set(step_tables()) < set(errors.table().tables)


@pytest.mark.parametrize(
    ("step", "operation", "sent", "expected"),
    [
        # one endpoint, several grants: the grant-type row and the invalid-token row (the token is not for that step)
        ("E6", "token", "oob", [("E6.invalid_grant", "wrong_grant_type"), ("E6.invalid_grant", "invalid_token")]),
        ("E10", "registerContinue", "continuation_token",
         [("E10.invalid_grant", "wrong_grant_type"), ("E10.invalid_request", "invalid_token")]),
        # /signup/v1.0/continue: also the rows of the step whose grant was sent (E3b and its attributes table)
        ("E3a", "signupContinue", "password",
         [("E3a.invalid_grant", "wrong_grant_type"), ("E3a.invalid_request", "invalid_token"),
          ("E3b-attrs.invalid_grant", "wrong_grant_type"), ("E3b.invalid_request", "invalid_token")]),
        # one grant only: the grant-type row alone
        ("E13", "ssprContinue", "continuation_token", [("E13.invalid_grant", "wrong_grant_type")]),
    ],
)
def test_another_grant_type_is_refused_by_the_rows_for_a_wrong_grant(step, operation, sent, expected):
    assert [(row.id, condition) for row, condition in grant_rows(step, operation, sent)] == expected


def _actor(api: NativeAuthClient, target: Target, client_id: str = PASSWORD_APP) -> Actor:
    app = next(app for app in target.profile.apps() if app.client_id == client_id)
    return Actor(NativeAuthSteps(api, app.client_id), target.otp, Verdict(), target.profile, app.tenant)


@pytest.fixture
def at(mock_target: Target, api: NativeAuthClient) -> Callable[[str], Reached]:
    """A fresh walk to a step of the mock."""
    return lambda step: reach(lambda app: _actor(api, mock_target, app.client_id), mock_target, step)


def test_a_step_took_its_token_when_it_moved_on_with_another(at: Callable[[str], Reached]):
    reached = at("E2")
    answer = reached.send()
    assert run(checks.took_token, answer, "E2", reached.token, []) == set()
    handed_back = tampered(answer, continuation_token=reached.token)
    assert run(checks.took_token, handed_back, "E2", reached.token, []) == {("R-TOKEN-EVERY-STEP", FAILURE)}
    assert ("E2", FAILURE) in run(checks.took_token, tampered(answer, status=400, error="invalid_request"), "E2",
                                  reached.token, [])


def test_a_documented_flow_control_answer_takes_the_token_and_an_undocumented_one_does_not(
    api: NativeAuthClient, mock_target: Target
):
    verified = signup_oob(_actor(api, mock_target), mock_target.new_address())  # no password at the start
    answer = verified.send()
    assert (answer.status, answer.error) == (400, "credential_required")
    assert run(checks.took_token, answer, "E3a", verified.token, []) == set()
    undocumented = tampered(answer, error="password_required")
    assert run(checks.took_token, undocumented, "E3a", verified.token, []) == {("E3a", FAILURE)}
    handed_back = tampered(answer, continuation_token=verified.token)
    assert run(checks.took_token, handed_back, "E3a", verified.token, []) == {("R-TOKEN-EVERY-STEP", FAILURE)}


def test_a_token_answer_is_judged_as_a_token_response(at: Callable[[str], Reached]):
    reached = at("E6")
    answer = reached.send()
    scopes = reached.form["scope"].split()
    assert run(checks.took_token, answer, "E6", reached.token, scopes) == set()
    assert run(checks.took_token, tampered(answer, token_type="MAC"), "E6", reached.token, scopes) == {
        ("R-TOKEN-TYPE", FAILURE)
    }


def test_a_refusal_is_checked_against_the_row_with_its_error(at: Callable[[str], Reached]):
    reached = at("E13")
    answer = reached.send(continuation_token="not-a-token")
    refusals = ((errors.table().get("E13.invalid_grant"), "wrong_grant_type"), *invalid_token("E13"))
    assert answer.error == "invalid_request"
    assert run(checks.refused_one_of, answer, "R-TOKEN-OPAQUE", refusals) == set()  # the second row, by its error
    assert run(checks.refused_one_of, answer, "R-TOKEN-OPAQUE", refusals[:1]) == {("E13.invalid_grant", FAILURE)}
    accepted = tampered(answer, status=200, error=DROP)
    assert ("R-TOKEN-OPAQUE", FAILURE) in run(checks.refused_one_of, accepted, "R-TOKEN-OPAQUE", refusals)


def test_a_rule_naming_its_refusal_allows_only_those_answers(at: Callable[[str], Reached]):
    reached = at("E13")
    answer = reached.send(continuation_token="not-a-token")
    rows = invalid_token("E13")
    assert run(checks.refused_one_of, answer, "R-TOKEN-EXPIRY", rows, {("invalid_request", None)}) == set()
    assert run(checks.refused_one_of, answer, "R-TOKEN-EXPIRY", rows, {("expired_token", None)}) == {
        ("R-TOKEN-EXPIRY", FAILURE)
    }
