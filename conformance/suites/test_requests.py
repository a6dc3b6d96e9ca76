"""Requests no client library sends, which a server must still answer as documented (api-reference.md §1, §7.4):
an `attributes` value that is not a JSON object, a repeated parameter, an empty `client_id`, a body that is not
form-encoded, no body at all. Each is refused with the step's `invalid_request` row; where the docs do not say so
(`basis: inferred` in specs/rules.yaml) another refusal only warns, but a server error or an undocumented status
always fails (the endpoint's documented answers, the OpenAPI document).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from conformance import checks
from conformance.client import ApiResponse
from conformance.contract import errors, openapi
from conformance.verdicts import Verdict
from conformance.walker import reach

pytestmark = pytest.mark.rules
#: The steps that begin a flow (no token needed first, so cheap to send to) and the token request.
STARTS = ("E1", "E4", "E11")


def _rows(recipe: str) -> list:
    """The rows whose trigger recipe is `recipe` (each step's `invalid_request` for a missing `client_id`)."""
    return [
        pytest.param(row, id=row.table, marks=pytest.mark.requirement(row.id, "R-NO-SERVER-ERROR"))
        for row in errors.table()
        if row.trigger.recipe == recipe
    ]


def _answered(verdict: Verdict, answer: ApiResponse) -> bool:
    """A request the endpoint cannot accept is never answered with a server error (R-NO-SERVER-ERROR)."""
    return verdict.check(answer.status < 500, "R-NO-SERVER-ERROR", f"expected a 400 error, got {checks.describe(answer)}")


def _refused_as_inferred(verdict: Verdict, answer: ApiResponse, step: str, condition: str, rule: str) -> None:
    """Never a server error nor an undocumented answer (the endpoint's schema); that the refusal is the step's row for
    `condition` is the inferred `rule` (another answer warns), and that row's envelope is then checked as documented."""
    if not (_answered(verdict, answer) and checks.schema(verdict, answer)):
        return
    row = errors.table().expected(step, condition)
    if verdict.check(answer.error == row.error, rule, f"expected the request refused with {row.id}, got {checks.describe(answer)}"):
        checks.error_envelope(verdict, answer, row, condition)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('{"displayName": "Casey Jensen"', id="malformed-json"),
        pytest.param("displayName=Casey Jensen", id="not-json"),
        pytest.param('["Casey Jensen"]', id="not-an-object"),
    ],
)
@pytest.mark.requirement("E1.invalid_request", "R-ATTRIBUTES-JSON", "R-NO-SERVER-ERROR")
def test_attributes_that_are_not_a_json_object_are_refused(actor_for, target, verdict, value):
    """`attributes` is a string holding a JSON object: a malformed one, plain text or an array fails parameter validation with invalid_request, never a server error (§E1 `attributes`, §7.4)."""
    answer = reach(actor_for, target, "E1").send(attributes=value)
    if _answered(verdict, answer):
        checks.refused(verdict, answer, "R-ATTRIBUTES-JSON", errors.table().expected("E1", "invalid_parameter"), "invalid_parameter")


#: What a repeated parameter is refused under: at a start step the step's invalid_request; at E6 the generic
#: table's "Request is ambiguous" (Seed002 AADSTS90011).
AMBIGUOUS = {"E1": ("E1", "invalid_parameter"), "E4": ("E4", "invalid_parameter"), "E11": ("E11", "invalid_parameter"),
             "E6": ("G-token", "ambiguous_request")}


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(step, marks=pytest.mark.requirement(step, errors.table().expected(*AMBIGUOUS[step]).id, "R-DUPLICATE-PARAMETER", "R-NO-SERVER-ERROR"))
        for step in AMBIGUOUS
    ],
)
def test_a_repeated_parameter_is_refused(actor_for, target, verdict, step):
    """A form parameter sent twice with different values (`username` at a start, `continuation_token` at E6) is refused as an invalid (ambiguous) request, never answered with a server error (inferred: Seed002's "Request is ambiguous", ERR-19)."""
    reached = reach(actor_for, target, step)
    repeated = "continuation_token" if step == "E6" else "username"
    other = target.new_address() if repeated == "username" else reached.token[::-1]
    pairs = [(name, value) for name, value in reached.form.items() if value is not None]
    answer = reached.actor.steps.client.send(reached.operation, reached.form, raw_body=urlencode([*pairs, (repeated, other)]).encode())
    _refused_as_inferred(verdict, answer, *AMBIGUOUS[step], "R-DUPLICATE-PARAMETER")


@pytest.mark.parametrize("row", _rows("missing_client_id"))
def test_an_empty_client_id_is_refused(actor_for, target, verdict, row):
    """An empty `client_id` is refused as invalid_request, like a missing one (the step's table: "client_id missing, empty or invalid")."""
    answer = reach(actor_for, target, row.table).send(client_id="")
    if _answered(verdict, answer):
        checks.error_envelope(verdict, answer, row, "invalid_parameter")


@pytest.mark.parametrize("row", _rows("missing_client_id"))
def test_a_request_without_a_body_is_refused(api_client, verdict, row):
    """A POST without a body (so without `client_id`) is refused as invalid_request, never answered with a server error (the step's table: "client_id missing")."""
    answer = api_client.send(openapi.operation(row.endpoint).operation_id, {}, raw_body=b"")
    if _answered(verdict, answer):
        checks.error_envelope(verdict, answer, row, "invalid_parameter")


@pytest.mark.parametrize(
    "step",
    [pytest.param(step, marks=pytest.mark.requirement(step, f"{step}.invalid_request", "R-REQUEST-FORM-ENCODED", "R-NO-SERVER-ERROR")) for step in STARTS],
)
def test_a_body_that_is_not_form_encoded_is_refused(actor_for, target, verdict, step):
    """The step's right fields sent as a JSON body (`Content-Type: application/json`) are refused as invalid_request, never read as the form nor answered with a server error (inferred: every documented request is application/x-www-form-urlencoded, S1, S16)."""
    reached = reach(actor_for, target, step)
    body = json.dumps({name: value for name, value in reached.form.items() if value is not None}).encode()
    answer = reached.actor.steps.client.send(reached.operation, reached.form, raw_body=body, content_type="application/json")
    _refused_as_inferred(verdict, answer, step, "invalid_parameter", "R-REQUEST-FORM-ENCODED")
