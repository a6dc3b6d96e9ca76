"""Each erratum that softens a check (specs/errata.yaml `softens`): exactly the answer it tolerates warns, in that
check; any other answer fails there, and every other check of the row still fails.

Run with observed and inferred rules strict, so that what warns is the erratum and not the basis of the rule (the
G-token rows are inferred and would warn anyway).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from harness_support import OTP_APP, PASSWORD_APP
from test_checks import DROP, tampered

from conformance import checks
from conformance.client import ApiResponse, NativeAuthClient
from conformance.contract import errata, errors, openapi, schemas
from conformance.contract.errata import Erratum
from conformance.steps import NativeAuthSteps
from conformance.verdicts import Severity, SeverityPolicy, Verdict

FAILURE, WARNING = Severity.FAILURE, Severity.WARNING
STRICT = SeverityPolicy(strict=frozenset({"observed", "inferred"}))
#: Answers no erratum tolerates anywhere, one per check.
UNTOLERATED: dict[str, Any] = {"status": 418, "error": "made_up_error", "suberror": "made_up", "aadsts": 12345}
#: The fields the schemas demand besides the envelope, for the rows that carry them.
EXTRA: dict[str | None, dict[str, Any]] = {
    "attribute_validation_failed": {"invalid_attributes": [{"name": "postalCode"}]},
    "attributes_required": {
        "continuation_token": "t",
        "required_attributes": [{"name": "displayName", "type": "string", "required": True}],
    },
}
ROW_SOFTENINGS = [
    pytest.param(item, row_id, id=f"{item.id}-{row_id}")
    for item in errata.errata()
    if item.softens and item.softens.rows
    for row_id in item.softens.rows
]
#: Softenings whose tolerated answer is an error answer (not a success a status check tolerates).
ERROR_ANSWERS = [p for p in ROW_SOFTENINGS if 200 not in p.values[0].softens.tolerate]
#: Softenings that hold only for a condition or with codes.
SCOPED = [p for p in ROW_SOFTENINGS if p.values[0].softens.condition or p.values[0].softens.codes]


def judged(response: ApiResponse, row_id: str, condition: str | None) -> set[tuple[str, Severity]]:
    verdict = Verdict(policy=STRICT)
    checks.error_row(verdict, response, row_id, condition)
    return {(finding.requirement, finding.severity) for finding in verdict.findings}


@pytest.fixture
def served(api: NativeAuthClient, faults: Callable[..., str]) -> Callable[[str], ApiResponse]:
    """The mock's answer for a row, from its fault queue (the row's own status, error, suberror and codes)."""

    def answer(row_id: str) -> ApiResponse:
        row = errors.table().get(row_id)
        fault = {"row": row_id, "extra": EXTRA.get(row.error) or EXTRA.get(row.suberror) or {}}
        crid = faults(row.endpoint, *[fault] * 5)  # the client retries `temporarily_unavailable`
        return api.send(openapi.operation(row.endpoint).operation_id, {"client_id": PASSWORD_APP},
                        client_request_id=crid)

    return answer


def _condition(item: Erratum, row: errors.ErrorRow) -> str:
    """The condition the check is judged under: the softening's, else the one the row's codes are printed for."""
    soft = item.softens
    assert soft is not None
    if soft.condition:
        return soft.condition
    with_codes = [name for name, codes in row.conditions.items() if codes]
    return with_codes[0] if soft.check == "aadsts" else row.trigger.condition


def _answer(base: ApiResponse, check: str, value: Any, codes: tuple[int, ...] = ()) -> ApiResponse:
    """`base` with `check`'s answer set to `value` (a 2xx status comes as a success body)."""
    if check == "status" and 200 <= value < 300:
        fields = ("error", "error_codes", "error_description", "timestamp", "trace_id", "correlation_id", "suberror")
        return tampered(base, status=value, continuation_token="t", **dict.fromkeys(fields, DROP))
    if check == "status":
        return tampered(base, status=value)
    if check == "aadsts":
        return tampered(base, error_codes=[value])
    if check == "error" and codes:
        return tampered(base, error=value, error_codes=[codes[0]])
    return tampered(base, **{check: value})


@pytest.mark.parametrize(("item", "row_id"), ROW_SOFTENINGS)
def test_the_tolerated_answer_warns_in_the_softened_check(
    served: Callable[[str], ApiResponse], item: Erratum, row_id: str
) -> None:
    soft, row = item.softens, errors.table().get(row_id)
    assert soft is not None
    base = served(row_id)
    assert judged(base, row_id, _condition(item, row)) == set()
    own = {"status": row.status, "error": row.error, "suberror": row.suberror}.get(soft.check)
    for value in (value for value in soft.tolerate if value != own):
        answer = _answer(base, soft.check, value, soft.codes)
        assert judged(answer, row_id, _condition(item, row)) == {(row_id, WARNING)}, value


@pytest.mark.parametrize(("item", "row_id"), ROW_SOFTENINGS)
def test_any_other_answer_fails_in_the_softened_check(
    served: Callable[[str], ApiResponse], item: Erratum, row_id: str
) -> None:
    soft, row = item.softens, errors.table().get(row_id)
    assert soft is not None
    answer = _answer(served(row_id), soft.check, UNTOLERATED[soft.check], soft.codes)
    found = judged(answer, row_id, _condition(item, row))
    assert (row_id, FAILURE) in found and (row_id, WARNING) not in found


@pytest.mark.parametrize(("item", "row_id"), ERROR_ANSWERS)
def test_every_other_check_of_the_row_still_fails(
    served: Callable[[str], ApiResponse], item: Erratum, row_id: str
) -> None:
    """The tolerated answer plus another check broken: that other check fails (the erratum softens one check)."""
    soft, row = item.softens, errors.table().get(row_id)
    assert soft is not None
    answer = _answer(served(row_id), soft.check, soft.tolerate[0], soft.codes)
    other = {"status": {"error": "made_up_error"}}.get(soft.check, {"status": 418})
    assert (row_id, FAILURE) in judged(tampered(answer, **other), row_id, _condition(item, row))


@pytest.mark.parametrize(("item", "row_id"), SCOPED)
def test_the_tolerance_holds_only_where_the_erratum_says(
    served: Callable[[str], ApiResponse], item: Erratum, row_id: str
) -> None:
    """Under another condition than the softening names, or without the codes it demands, the answer fails."""
    soft, row = item.softens, errors.table().get(row_id)
    assert soft is not None
    base = served(row_id)
    if soft.codes:
        answer = _answer(base, soft.check, soft.tolerate[0])
        assert (row_id, FAILURE) in judged(tampered(answer, error_codes=[12345]), row_id, soft.condition)
    if soft.condition:
        other = next((name for name in row.conditions if name != soft.condition), "invalid_parameter")
        answer = _answer(base, soft.check, soft.tolerate[0], soft.codes)
        assert (row_id, FAILURE) in judged(answer, row_id, other)


ENVELOPE_SOFTENINGS = [
    pytest.param(item, id=item.id)
    for item in errata.errata()
    if item.softens and item.softens.check == "envelope.trace_id"
]


@pytest.mark.parametrize("item", ENVELOPE_SOFTENINGS)
def test_a_trace_id_softening_tolerates_only_a_non_empty_non_uuid(
    served: Callable[[str], ApiResponse], item: Erratum
) -> None:
    base = served("E1.user_already_exists")
    assert judged(tampered(base, trace_id="d6966055-...-80500"), "E1.user_already_exists", None) == {
        ("R-ENVELOPE-TRACE-ID", WARNING)
    }
    for broken in ("", DROP, 42):
        found = judged(tampered(base, trace_id=broken), "E1.user_already_exists", None)
        assert ("R-ENVELOPE-TRACE-ID", FAILURE) in found


def _rechecked(response: ApiResponse, **body: Any) -> ApiResponse:
    """`response` with body fields changed and its schema errors found again."""
    changed = tampered(response, **body)
    exchange = dataclasses.replace(
        response.exchange, schema_errors=schemas.validate_response(response.path, response.status, changed.json)
    )
    return dataclasses.replace(changed, exchange=exchange)


def test_a_schema_softening_tolerates_only_the_constraint_it_names(api: NativeAuthClient) -> None:
    """ERR-22: a token with whitespace breaks only a constraint the schema marks `x-verdict: warning` for ERR-22;
    an empty token breaks the schema."""
    softening = [item.id for item in errata.errata() if item.softens and item.softens.check == "schema"]
    assert softening == ["ERR-22"]
    started = NativeAuthSteps(api, OTP_APP).signup_start("jo+tolerance@example.com")
    assert run_schema(started) == set()
    spaced = run_schema(_rechecked(started, continuation_token=" AQAB"), messages=True)
    assert spaced == {("E1", WARNING, True)}
    assert run_schema(_rechecked(started, continuation_token="")) == {("E1", FAILURE)}


def run_schema(response: ApiResponse, *, messages: bool = False) -> set[tuple[Any, ...]]:
    verdict = Verdict(policy=STRICT)
    checks.schema(verdict, response)
    if messages:
        return {(f.requirement, f.severity, "ERR-22 tolerates" in f.message) for f in verdict.findings}
    return {(f.requirement, f.severity) for f in verdict.findings}
