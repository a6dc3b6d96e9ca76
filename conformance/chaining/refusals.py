"""The error rows that refuse a token at a step (specs/errors.yaml, by condition), and the rule a refusal is under."""

from __future__ import annotations

from functools import cache

from conformance.chaining.operations import grants
from conformance.checks import Refusal
from conformance.contract import errors, openapi
from conformance.contract.errors import ErrorRow


def reuse_rule(step: str) -> str:
    """The rule a second use of the step's token breaks: R-TOKEN-SINGLE-USE, and for E15, whose /submit token polls
    again until the reset is done (ERR-71), R-SSPR-POLL-AFTER-SUCCESS."""
    return "R-SSPR-POLL-AFTER-SUCCESS" if step == "E15" else "R-TOKEN-SINGLE-USE"


def invalid_token_row(step: str) -> ErrorRow:
    """The step's row for an invalid continuation token (specs/errors.yaml, condition `invalid_token`)."""
    return errors.table().expected(step, "invalid_token")


def invalid_token(step: str) -> tuple[Refusal, ...]:
    """The step's invalid-token row, the one refusal of a token that is not the step's."""
    return ((invalid_token_row(step), "invalid_token"),)


def expired_row(step: str) -> ErrorRow:
    """The step's row for an expired continuation token (condition `expired_token`)."""
    return errors.table().expected(step, "expired_token")


@cache
def step_tables() -> tuple[str, ...]:
    """Error tables that are steps (`E2`, `E3a`, …), not variants (`E3b-attrs`) or the generic `G-token`."""
    return tuple(tag for tag in errors.table().tables if tag.startswith("E") and "-" not in tag)


def grant_rows(step: str, operation: str, sent: str) -> tuple[Refusal, ...]:
    """The rows that may refuse the step's token sent with grant type `sent` (R-TOKEN-GRANT-MATCH), each with its
    condition: the row for a grant type that is not the step's, of the step and of the sent grant's step; on endpoints
    with several grants also their invalid-token rows (the token is not one for that step)."""
    table = errors.table()
    path = openapi.operation(operation).path
    siblings = [
        t for t in step_tables() if t != step and (table.tables[t].endpoint, table.tables[t].grant_type) == (path, sent)
    ]
    conditions = ("wrong_grant_type", "invalid_token") if len(grants(operation)) > 1 else ("wrong_grant_type",)
    found = [
        (row, condition)
        for tag in (step, *siblings)
        for condition in conditions
        if (row := table.row_for(tag, condition)) is not None
    ]
    return tuple(dict.fromkeys(found))
