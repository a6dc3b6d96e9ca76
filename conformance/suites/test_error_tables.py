"""Every row of the error tables (specs/errors.yaml), triggered from outside and checked with its full envelope."""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.contract import errors
from conformance.suites.triggers import TRIGGERS, Context

pytestmark = pytest.mark.errors


def _rows() -> list[pytest.param]:
    return [
        pytest.param(row, id=row.id, marks=[pytest.mark.requirement(row.id)])
        for row in errors.table()
    ]


@pytest.mark.parametrize("row", _rows())
def test_error_row(row, target, actor_for, verdict, pytestconfig):
    """The documented condition of the row is answered with its HTTP status, error, suberror, AADSTS code and envelope (the row's table)."""
    recipe = row.trigger.recipe
    if recipe is None:
        pytest.skip(f"cannot be triggered from outside ({row.trigger.kind}): {row.trigger.how}")
    ctx = Context(target, actor_for, pytestconfig.getoption("--slow"))
    trigger = TRIGGERS[recipe]
    reached = ctx.reach(row.table, trigger.needs_on(row.table))
    answer = trigger.send(ctx, reached, row)
    checks.error_envelope(verdict, answer, row)
