"""Checks of an error answer: the documented row for the condition provoked (status, `error`, `suberror`, AADSTS
code, each softened only where an erratum tolerates that very answer), the envelope fields under their `R-ENVELOPE-*`
rules, the correlation id, and a request refused by one row or one of several (§1.1, the rows' tables)."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.checks.answers import describe, schema
from conformance.client import ApiResponse
from conformance.contract import errata, errors, vocabulary
from conformance.contract.errors import ErrorRow
from conformance.verdicts import Verdict


def error_row(verdict: Verdict, response: ApiResponse, row_id: str, condition: str | None = None) -> None:
    """The response is the documented error row `row_id` (specs/errors.yaml) with the full envelope."""
    error_envelope(verdict, response, errors.table().get(row_id), condition)


def error_envelope(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> None:
    """The response is the documented error row, provoked by `condition` (default: the row's only one), with the full
    envelope (§1.1, the row's table). One check per statement: status, error, suberror and AADSTS code under the row,
    each softened only where an erratum tolerates that very answer; the envelope fields under their rules. A success
    where the error was due is said once, by the status check. An answer whose body is not one JSON object (not JSON,
    empty, too large, repeated names) is that one finding, whatever errata tolerate (they rule between readings of a
    JSON error body)."""
    if response.problem:
        verdict.check(False, row.id, f"expected the documented error body ({row.id}), got {describe(response)}")
        return
    if condition is None and len(row.conditions) == 1:
        condition = next(iter(row.conditions))
    status(verdict, response, row, condition)
    if 200 <= response.status < 300:
        schema(verdict, response)
        return
    other_status = response.status != row.status and _tolerated("status", row, condition, response.status)
    as_status = row.status if other_status else None
    error_value(verdict, response, row, condition)
    suberror(verdict, response, row, condition)
    codes_ok = error_codes(verdict, response)
    if codes_ok:
        aadsts(verdict, response, row, condition)
    description = response.json.get("error_description")
    verdict.check(
        isinstance(description, str) and bool(description.strip()),
        "R-ENVELOPE-DESCRIPTION",
        f"error_description missing or empty: {description!r}",
    )
    stamp = response.json.get("timestamp")
    verdict.check(
        vocabulary.pattern("timestamp").match(stamp),
        "R-ENVELOPE-TIMESTAMP",
        f"timestamp {stamp!r} is not {vocabulary.pattern('timestamp').what}",
    )
    trace_id(verdict, response)
    correlation(verdict, response)
    schema(verdict, response, as_status)


def status(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> bool:
    """The HTTP status is the row's (§1: every native-auth error is 400)."""
    got = response.status
    return verdict.check(
        got == row.status,
        row.id,
        f"HTTP status: expected {row.status} ({row.id}), got {describe(response)}",
        tolerated_by=_tolerated("status", row, condition, got),
    )


def error_value(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> bool:
    """`error` is the row's value."""
    got = response.error
    tolerated = _tolerated("error", row, condition, got, response.json.get("error_codes"))
    return verdict.check(
        got == row.error, row.id, f"error: expected {row.error!r}, got {got!r}", tolerated_by=tolerated
    )


def _realizing_suberrors(row: ErrorRow) -> set[str]:
    """The suberrors the same table documents under the row's `error` (a parent row is realized through them)."""
    return {r.suberror for r in errors.table().for_table(row.table) if r.error == row.error and r.suberror}


def suberror(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> bool:
    """`suberror` is the row's; for a parent row, none or one its table documents under the same `error`."""
    got = response.suberror
    allowed = {row.suberror} if row.suberror else {None, *_realizing_suberrors(row)}
    return verdict.check(
        got in allowed,
        row.id,
        f"suberror: expected {' or '.join(sorted(map(repr, allowed)))}, got {got!r}",
        tolerated_by=_tolerated("suberror", row, condition, got),
    )


def error_codes(verdict: Verdict, response: ApiResponse) -> bool:
    """`error_codes` is a non-empty array of integers (§1.1)."""
    codes = response.json.get("error_codes")
    return verdict.check(
        isinstance(codes, list) and bool(codes) and all(type(code) is int for code in codes),
        "R-ENVELOPE-ERROR-CODES",
        f"error_codes must be a non-empty array of integers, got {codes!r}",
    )


def aadsts(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None) -> bool:
    """`error_codes` hold one of the AADSTS codes the docs print for the row under `condition` (none printed: no
    check)."""
    documented = row.codes_for(condition)
    codes = response.json.get("error_codes") or []
    if not documented:
        return True
    tolerated = next((found for code in codes if (found := _tolerated("aadsts", row, condition, code))), None)
    return verdict.check(
        bool(set(documented) & set(codes)),
        row.id,
        f"error_codes {codes} hold none of the AADSTS codes documented for {row.id} when {condition}: "
        f"{list(documented)}",
        tolerated_by=tolerated,
    )


def trace_id(verdict: Verdict, response: ApiResponse) -> bool:
    """`trace_id` is a UUID identifying the request (§1.1); ERR-65 tolerates another non-empty string."""
    value = response.json.get("trace_id")
    if not verdict.check(isinstance(value, str) and bool(value.strip()), "R-ENVELOPE-TRACE-ID", "trace_id missing"):
        return False
    return verdict.check(
        vocabulary.pattern("guid").match(value),
        "R-ENVELOPE-TRACE-ID",
        f"trace_id {value!r} is not {vocabulary.pattern('guid').what}",
        tolerated_by=_tolerated("envelope.trace_id", None, None, "non_uuid"),
    )


def _tolerated(check: str, row: ErrorRow | None, condition: str | None, answer: object, codes: object = None) -> str:
    """The id of the erratum that tolerates `answer` in `check` of `row` (empty when none does)."""
    found = errata.tolerated(check, row.id if row else None, condition, answer, codes)
    return found.id if found else ""


def correlation(verdict: Verdict, response: ApiResponse) -> None:
    """The correlation id echoes `client-request-id` in the body (Seed002, inferred) and in the headers client
    libraries read (observed)."""
    client_request_id = response.client_request_id
    if response.status != 200:
        verdict.equal(response.json.get("correlation_id"), client_request_id, "R-CORRELATION-ECHO", "correlation_id")
    wrong = {
        header: response.headers.get(header)
        for header in ("client-request-id", "x-ms-request-id")
        if response.headers.get(header) != client_request_id
    }
    verdict.check(
        not wrong,
        "R-CORRELATION-HEADERS",
        "response headers should echo the client-request-id: "
        + ", ".join(f"{header} is {value!r}" for header, value in wrong.items()),
    )


def refused(
    verdict: Verdict, response: ApiResponse, requirement: str, row: ErrorRow, condition: str | None = None
) -> None:
    """The request is refused under `requirement` (an error answer that hands out no token, not a success or the
    redirect) and the refusal is the documented row for `condition`, each of its checks at its own severity."""
    if verdict.check(
        response.status >= 400 and bool(response.error) and not response.continuation_token,
        requirement,
        f"expected the request refused with {row.id}, got {describe(response)}",
    ):
        error_envelope(verdict, response, row, condition)


Refusal = tuple[ErrorRow, str]
"""A row that may refuse a request, and the condition it refuses under."""


def refused_one_of(
    verdict: Verdict,
    response: ApiResponse,
    rule: str,
    refusals: tuple[Refusal, ...],
    answers: Iterable[tuple[str, str | None]] = (),
) -> None:
    """The request is refused under `rule` with one of `refusals`: the one with the answer's `error` (else the first)
    is checked in full, for its condition. `answers`, when the rule itself names the refusal (R-TOKEN-EXPIRY:
    `expired_token`), are the (`error`, `suberror`) pairs the rule allows."""
    row, condition = next(((r, c) for r, c in refusals if r.error == response.error), refusals[0])
    allowed = frozenset(answers)
    if allowed and 400 <= response.status < 500 and response.error:
        got = (response.error, response.suberror)
        verdict.check(
            got in allowed,
            rule,
            f"refused with {'.'.join(filter(None, got))}, expected "
            + " or ".join(sorted(".".join(filter(None, a)) for a in allowed)),
        )
    refused(verdict, response, rule, row, condition)
