"""Every documented error row: triggered from outside where the table says it can be, served from the fault queue
otherwise; each answer carries the row's status, `error`, `suberror` and AADSTS code and matches the schema."""

from __future__ import annotations

from typing import Any

import pytest
from mock_driver import Api
from mock_triggers import BY_ROW, RECIPES, reach, trigger

from conformance.contract.errors import ErrorRow, table
from conformance.contract.schemas import validate_response
from conformance.mock.envelope import code_for

ROWS = table().rows
TRIGGERABLE = [row for row in ROWS if row.trigger.kind in ("request", "state", "tenant")]
NOT_TRIGGERABLE = [row for row in ROWS if row.trigger.kind in ("fault", "cannot") and row.id not in BY_ROW]


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
    """Rows of kind request/state/tenant name a recipe the mock tests know."""
    missing = [row.id for row in TRIGGERABLE if row.id not in BY_ROW and row.trigger.recipe not in RECIPES]
    assert missing == []


@pytest.mark.parametrize("tag", sorted(table().tables))
def test_reach_builds_a_successful_request(api: Api, tag: str) -> None:
    """The unbroken request each recipe starts from succeeds, so a recipe's error is due to its one change."""
    step = reach(api, tag)
    response = api.post(step.path, **step.form)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("row", TRIGGERABLE + [table().get(r) for r in BY_ROW], ids=lambda row: row.id)
def test_row_is_triggered(api: Api, row: ErrorRow) -> None:
    """The row's documented condition, produced from outside, yields exactly the row (api-reference.md §3–§7)."""
    response = trigger(api, row)
    _assert_row(row, response.status_code, response.json(), row.trigger.condition)


_EXTRA = {
    "attributes_required": {"continuation_token": "AQAB", "required_attributes": []},
    "credential_required": {"continuation_token": "AQAB"},
    "verification_required": {"continuation_token": "AQAB", "unverified_attributes": []},
    "mfa_required": {"continuation_token": "AQAB"},
    "registration_required": {"continuation_token": "AQAB"},
    "attribute_validation_failed": {"invalid_attributes": [{"name": "postalCode"}]},
}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_row_served_from_fault_queue(api: Api, row: ErrorRow) -> None:
    """Every row, including fault-only and untriggerable ones, renders as a documented, schema-valid body."""
    crid = "5f5f5f5f-0000-4000-8000-000000000001"
    extra = _EXTRA.get(row.suberror or row.error, {})
    queued = api.client.post("/_mock/faults", json={"client_request_id": crid, "endpoint": row.endpoint,
                                                    "responses": [{"row": row.id, "extra": extra}]})
    assert queued.status_code == 201, queued.text
    response = api.post(row.endpoint, crid=crid)
    _assert_row(row, response.status_code, response.json())
    assert response.json()["correlation_id"] == crid


def test_untriggerable_rows_are_the_known_ones() -> None:
    """Rows the mock can only serve from its fault queue (reported to the error-table owner)."""
    assert sorted(row.id for row in NOT_TRIGGERABLE) == [
        "E1.invalid_grant.password_recently_used",
        "E3b.invalid_grant.password_recently_used",
        "E3c.verification_required",
        "E7.server_error",
        "G-token.temporarily_unavailable",
    ]
