"""Every documented error row: triggered from outside where the table says it can be, served from the fault queue
otherwise; each answer carries the row's status, `error`, `suberror` and AADSTS code and matches the schema.

Rows are reached and triggered as the suites do it: the walker walks to the row's step (`walker.reach`) and the
row's recipe (`conformance.triggers.RECIPES`) breaks the request."""

from __future__ import annotations

from typing import Any

import pytest
from mock_support import MockApi

from conformance.client import ApiResponse
from conformance.contract import openapi
from conformance.contract.errors import ErrorRow, table
from conformance.contract.schemas import validate_response
from conformance.expiry import lifetime_of, margin
from conformance.mock.envelope import code_for
from conformance.triggers import RECIPES, Context
from conformance.walker import reach

ROWS = table().rows
TRIGGERABLE = [row for row in ROWS if row.trigger.kind in ("request", "state", "tenant")]
NOT_TRIGGERABLE = [row for row in ROWS if row.trigger.kind in ("fault", "cannot")]


def _context(api: MockApi) -> Context:
    return Context(api.target, lambda app: api.actor(app.client_id))


def trigger(api: MockApi, row: ErrorRow) -> ApiResponse:
    """Walk to the row's step and send the request its recipe breaks (a request sent late sees the mock's clock moved
    past the lifetime it outlives, for its client-request-id only)."""
    ctx, recipe = _context(api), RECIPES[row.trigger.recipe or ""]
    reached = ctx.reach(row.table, recipe.needs_on(row.table))
    if recipe.lifetime:
        lifetime = lifetime_of(api.target, recipe.lifetime) or 0
        ctx.late_request_id = api.target.waiter()(lifetime + margin(lifetime))
    return recipe.send(ctx, reached, row)


def _realized(row: ErrorRow, body: dict[str, Any]) -> ErrorRow:
    """The row itself, or the suberror row through which a parent row is realized (e.g. E14.invalid_grant)."""
    child = f"{row.id}.{body.get('suberror')}"
    if row.suberror is None and body.get("suberror") and child in table():
        return table().get(child)
    return row


def _assert_row(row: ErrorRow, status: int, body: dict[str, Any], condition: str | None = None) -> None:
    expected = _realized(row, body)
    assert status == expected.status, body
    assert body["error"] == expected.error and body.get("suberror") == expected.suberror, body
    assert body["error_codes"] == [code_for(expected, condition)], body
    assert body["error_description"].startswith(f"AADSTS{code_for(expected, condition)}: ")
    assert validate_response(row.endpoint, status, body) == []


def test_every_triggerable_row_has_a_recipe() -> None:
    """Rows of kind request/state/tenant name a recipe of conformance.triggers."""
    missing = [row.id for row in TRIGGERABLE if row.trigger.recipe not in RECIPES]
    assert missing == []


@pytest.mark.parametrize("tag", sorted(table().tables))
def test_reach_builds_a_successful_request(api: MockApi, tag: str) -> None:
    """The unbroken request each recipe starts from succeeds, so a recipe's error is due to its one change; E3b-attrs
    is the password step of a sign-up that still lacks its attributes, which it asks for with a token."""
    answer = reach(lambda app: api.actor(app.client_id), api.target, tag).send()
    if tag == "E3b-attrs":
        assert (answer.error, bool(answer.continuation_token)) == ("attributes_required", True), answer.body
    else:
        assert answer.status == 200, answer.body


@pytest.mark.parametrize("row", TRIGGERABLE, ids=lambda row: row.id)
def test_row_is_triggered(api: MockApi, row: ErrorRow) -> None:
    """The row's documented condition, produced from outside, yields exactly the row (api-reference.md §3–§7)."""
    response = trigger(api, row)
    _assert_row(row, response.status, response.json, row.trigger.condition)


_EXTRA = {
    "attributes_required": {"continuation_token": "AQAB", "required_attributes": []},
    "credential_required": {"continuation_token": "AQAB"},
    "verification_required": {"continuation_token": "AQAB", "unverified_attributes": []},
    "mfa_required": {"continuation_token": "AQAB"},
    "registration_required": {"continuation_token": "AQAB"},
    "attribute_validation_failed": {"invalid_attributes": [{"name": "postalCode"}]},
}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_row_served_from_fault_queue(api: MockApi, row: ErrorRow) -> None:
    """Every row, including fault-only and untriggerable ones, renders as a documented, schema-valid body."""
    crid = "5f5f5f5f-0000-4000-8000-000000000001"
    extra = _EXTRA.get(row.suberror or row.error, {})
    queued = api.http.post("/_mock/faults", json={"client_request_id": crid, "endpoint": row.endpoint,
                                                  "responses": [{"row": row.id, "extra": extra}]})
    assert queued.status_code == 201, queued.text
    response = api.send(openapi.operation(row.endpoint).operation_id, crid=crid)
    _assert_row(row, response.status, response.json)
    assert response.json["correlation_id"] == crid


def test_untriggerable_rows_are_the_known_ones() -> None:
    """Rows the mock can only serve from its fault queue (reported to the error-table owner)."""
    assert sorted(row.id for row in NOT_TRIGGERABLE) == [
        "E1.invalid_grant.password_recently_used",
        "E3b.invalid_grant.password_recently_used",
        "E3c.verification_required",
        "E7.server_error",
        "G-token.temporarily_unavailable",
    ]
