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
from conformance.verdicts import Severity, Verdict
from conformance.walker import reach

pytestmark = pytest.mark.rules
#: The steps that begin a flow (no token needed first, so cheap to send to) and the token request.
STARTS = ("E1", "E4", "E11")


def _rows(recipe: str) -> list:
    """The rows whose trigger recipe is `recipe` (each step's `invalid_request` for a missing `client_id`)."""
    return [
        pytest.param(row, id=row.table, marks=pytest.mark.requirement(row.id))
        for row in errors.table()
        if row.trigger.recipe == recipe
    ]


def _refused_as_inferred(verdict: Verdict, answer: ApiResponse, row_id: str, rule: str) -> None:
    """The answer is documented for its endpoint (a server error FAILS); that it is the row `row_id` is the inferred
    `rule`, so another answer WARNS."""
    if not checks.schema(verdict, answer):
        return
    row = errors.table().get(row_id)
    got = f"HTTP {answer.status} {answer.error or ''}".rstrip()
    if verdict.check(answer.error == row.error, rule, f"expected {row_id}, got {got}", Severity.WARNING):
        checks.error_envelope(verdict, answer, row)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('{"displayName": "Casey Jensen"', id="malformed-json"),
        pytest.param("displayName=Casey Jensen", id="not-json"),
        pytest.param('["Casey Jensen"]', id="not-an-object"),
    ],
)
@pytest.mark.requirement("E1.invalid_request", "R-ATTRIBUTES-JSON")
def test_attributes_that_are_not_a_json_object_are_refused(actor_for, target, verdict, value):
    """`attributes` is a string holding a JSON object: a malformed one, plain text or an array fails parameter validation with invalid_request (§E1 `attributes`, §7.4)."""
    answer = reach(actor_for, target, "E1").send(attributes=value)
    checks.error_row(verdict, answer, "E1.invalid_request")


@pytest.mark.parametrize(
    "step",
    [pytest.param(step, marks=pytest.mark.requirement(step, f"{step}.invalid_request", "R-DUPLICATE-PARAMETER")) for step in (*STARTS, "E6")],
)
def test_a_repeated_parameter_is_refused(actor_for, target, verdict, step):
    """A form parameter sent twice with different values (`username` at a start, `continuation_token` at /token) is refused as invalid_request, never answered with a server error (inferred: Seed002's "Request is ambiguous", ERR-19)."""
    reached = reach(actor_for, target, step)
    repeated = "continuation_token" if step == "E6" else "username"
    other = target.new_address() if repeated == "username" else reached.token[::-1]
    pairs = [(name, value) for name, value in reached.form.items() if value is not None]
    answer = reached.actor.steps.client.send(reached.operation, reached.form, raw_body=urlencode([*pairs, (repeated, other)]).encode())
    _refused_as_inferred(verdict, answer, f"{step}.invalid_request", "R-DUPLICATE-PARAMETER")


@pytest.mark.parametrize("row", _rows("missing_client_id"))
def test_an_empty_client_id_is_refused(actor_for, target, verdict, row):
    """An empty `client_id` is refused as invalid_request, like a missing one (the step's table: "client_id missing, empty or invalid")."""
    answer = reach(actor_for, target, row.table).send(client_id="")
    checks.error_envelope(verdict, answer, row)


@pytest.mark.parametrize("row", _rows("missing_client_id"))
def test_a_request_without_a_body_is_refused(api_client, verdict, row):
    """A POST without a body (so without `client_id`) is refused as invalid_request, never answered with a server error (the step's table: "client_id missing")."""
    answer = api_client.send(openapi.operation(row.endpoint).operation_id, {}, raw_body=b"")
    checks.error_envelope(verdict, answer, row)


@pytest.mark.parametrize(
    "step",
    [pytest.param(step, marks=pytest.mark.requirement(step, f"{step}.invalid_request", "R-REQUEST-FORM-ENCODED")) for step in STARTS],
)
def test_a_body_that_is_not_form_encoded_is_refused(actor_for, target, verdict, step):
    """The step's right fields sent as a JSON body (`Content-Type: application/json`) are refused as invalid_request, never read as the form (inferred: every documented request is application/x-www-form-urlencoded, S1, S16)."""
    reached = reach(actor_for, target, step)
    body = json.dumps({name: value for name, value in reached.form.items() if value is not None}).encode()
    answer = reached.actor.steps.client.send(reached.operation, reached.form, raw_body=body, content_type="application/json")
    _refused_as_inferred(verdict, answer, f"{step}.invalid_request", "R-REQUEST-FORM-ENCODED")
