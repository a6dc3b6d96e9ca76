"""Every row of the error tables (specs/errors.yaml), triggered from outside and checked with its full envelope."""

from __future__ import annotations

from functools import partial

import pytest

from conformance import checks, triggers
from conformance.contract import errors
from conformance.contract.errors import ErrorRow
from conformance.skips import UNTRIGGERABLE_PREFIX
from conformance.triggers import RECIPES, Context

pytestmark = pytest.mark.errors



def _marks(row: ErrorRow) -> list:
    marks = [pytest.mark.requirement(row.id)]
    lifetime = RECIPES[row.trigger.recipe].lifetime if row.trigger.recipe else None
    if lifetime:
        marks.append(pytest.mark.expiry(lifetime, prepare=partial(triggers.prepare, row)))
    return marks


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id, marks=_marks(row)) for row in errors.table()])
def test_error_row(row, target, actor_for, verdict, request):
    """The documented condition of the row is answered with its HTTP status, error, suberror, AADSTS code and envelope (the row's table)."""
    if row.trigger.recipe is None:
        pytest.skip(f"{UNTRIGGERABLE_PREFIX} ({row.trigger.kind}): {row.trigger.how}")
    ctx = Context(target, actor_for)
    recipe = RECIPES[row.trigger.recipe]
    if recipe.lifetime:
        reached, ctx.late_request_id = request.getfixturevalue("expired")()
    else:
        reached = ctx.reach(row.table, recipe.needs_on(row.table))
    answer = recipe.send(ctx, reached, row)
    checks.error_envelope(verdict, answer, row, row.trigger.condition)
