"""Checks of any answer: what came (`describe`), its schema, a success that moves the flow on with its token, the
redirect fallback, and that every answer is JSON (§1, §1.2, §2, §7.1)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from conformance.client import ApiResponse, Exchange
from conformance.contract import errata, openapi, schemas
from conformance.verdicts import Severity, Verdict

JSON_MEDIA = re.compile(r"(?i)^\s*application/([\w.+-]*\+)?json\s*(;|$)")


def describe(response: ApiResponse) -> str:
    """What came, in a few words: the redirect, a success, the status with `error`/`suberror`, or the status and why
    the body is not one JSON object."""
    if response.is_redirect:
        return "the redirect response"
    if response.problem:
        return f"HTTP {response.status} ({response.problem})"
    if response.status == 200:
        return "HTTP 200" + (" with a continuation_token" if response.continuation_token else "")
    return " ".join(str(part) for part in (f"HTTP {response.status}", response.error, response.suberror) if part)


def schema(verdict: Verdict, response: ApiResponse, as_status: int | None = None) -> bool:
    """The response body matches the schema documented for its endpoint and status (§2, §3–§6); `as_status` judges
    it as the body of that documented status instead (an error an erratum lets come with another status)."""
    tag = openapi.operation(response.path).doc_tag
    status = as_status or response.status
    try:
        openapi.operation(response.path).response(status)
    except KeyError:
        return verdict.check(False, tag, f"HTTP {status} is not a documented status of {response.path}")
    if as_status:
        problems = schemas.validate_response(response.path, status, response.body)
    else:
        problems = response.exchange.schema_errors
    if not verdict.check(not problems, tag, f"HTTP {status} body breaks its schema: " + "; ".join(problems)):
        return False
    for line, named in schemas.softened(response.path, status, response.body):
        _softened_constraint(verdict, tag, f"HTTP {status} body: {line}", named)
    return True


def _softened_constraint(verdict: Verdict, tag: str, message: str, named: tuple[str, ...]) -> None:
    """A schema constraint marked `x-verdict: warning`: tolerated by the erratum that softens `schema` there; left to
    the check an erratum it names softens instead (`envelope.trace_id`); else a warning, as the schema marks it."""
    checks = {erratum_id: errata.get(erratum_id).softens for erratum_id in named}
    by_schema = next((erratum_id for erratum_id, soft in checks.items() if soft and soft.check == "schema"), None)
    if by_schema:
        verdict.check(False, tag, message, tolerated_by=by_schema)
    elif not any(soft for soft in checks.values()):
        verdict.check(False, tag, f"{message} (the schema marks this constraint a warning)", severity=Severity.WARNING)


def success(verdict: Verdict, response: ApiResponse, requirement: str) -> bool:
    """A step the docs say succeeds answers 200 with a documented body, and the token its next step takes (a link of
    the OpenAPI document feeds it on). True when the flow moved on, whatever the body's other findings (so the
    checks after it still say what they check)."""
    moved_on = response.status == 200 and not response.is_redirect
    verdict.check(moved_on, requirement, f"expected HTTP 200 moving the flow on, got {describe(response)}")
    schema(verdict, response)
    if moved_on and any(
        link.status == 200 and link.applies(response.json) and "continuation_token" in dict(link.body)
        for link in openapi.operation(response.path).links
    ):
        continuation_token(verdict, response)
    return moved_on


def continuation_token(verdict: Verdict, response: ApiResponse, requirement: str = "R-TOKEN-EVERY-STEP") -> str:
    """Every step answer that moves the flow carries a non-empty continuation token (§7.1)."""
    token = response.continuation_token
    verdict.check(bool(token) and isinstance(token, str), requirement, "response carries no continuation_token")
    return token or ""


def redirect(verdict: Verdict, response: ApiResponse, requirement: str) -> None:
    """The web-fallback answer is HTTP 200 with `challenge_type=redirect` and no continuation token (§1.2)."""
    verdict.check(
        response.is_redirect,
        requirement,
        f"expected the redirect response, got HTTP {response.status} {response.exchange.response_body}",
    )
    verdict.check("continuation_token" not in response.json, requirement, "redirect response carries a token")


def json_answers(verdict: Verdict, exchanges: Iterable[Exchange]) -> None:
    """Every answer says Content-Type: application/json (§1: "All responses from the API are in a JSON format")."""
    answered = [exchange for exchange in exchanges if exchange.status is not None]
    if not answered:
        return
    types = [
        next((v for k, v in e.response_headers.items() if k.lower() == "content-type"), "") for e in answered
    ]
    wrong = [(e, t) for e, t in zip(answered, types, strict=True) if not JSON_MEDIA.match(t)]
    first = ""
    if wrong:
        exchange, media = wrong[0]
        first = f": {exchange.operation} answered HTTP {exchange.status} with {media or 'no Content-Type'!r}"
    verdict.check(not wrong, "R-RESPONSE-JSON", f"{len(wrong)} of {len(answered)} answers are not JSON{first}")
