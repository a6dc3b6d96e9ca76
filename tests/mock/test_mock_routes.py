"""The mock's routes are the OpenAPI document's operations: every operation has a route, every route an operation."""

from __future__ import annotations

import httpx
import pytest

from conformance.contract import openapi
from conformance.mock.endpoints import ENDPOINTS, HANDLERS, routes

AUTHORITY = "/contoso.onmicrosoft.com"


def test_every_operation_has_a_route_and_every_route_an_operation() -> None:
    """The route table is the document's operations, each answered by the handler of its operationId."""
    assert set(HANDLERS) == {op.operation_id for op in openapi.operations()}
    assert {path: route.operation for path, route in ENDPOINTS.items()} == {op.path: op for op in openapi.operations()}
    assert all(route.handler is HANDLERS[route.operation.operation_id] for route in ENDPOINTS.values())


def test_a_handler_without_an_operation_or_an_operation_without_a_handler_is_refused() -> None:
    with pytest.raises(ValueError, match=r"no mock handler for the operations \['ssprSubmit'\]"):
        routes({name: handler for name, handler in HANDLERS.items() if name != "ssprSubmit"})
    with pytest.raises(ValueError, match=r"operations the OpenAPI document lacks: \['signupStop'\]"):
        routes({**HANDLERS, "signupStop": HANDLERS["signupStart"]})


def test_request_level_problems_are_answered_from_the_first_steps_table() -> None:
    """E3's steps differ by `grant_type` (the request schema tags them E3a, E3b, E3c): a form that names none is
    answered from E3a's table; every other endpoint's from its own."""
    own = {op.doc_tag: op.doc_tag for op in openapi.operations()}
    assert {route.operation.doc_tag: route.table for route in ENDPOINTS.values()} == {**own, "E3": "E3a"}


@pytest.mark.parametrize("route", ENDPOINTS.values(), ids=lambda route: route.operation.operation_id)
def test_the_app_serves_every_operation(client: httpx.Client, route) -> None:
    """A POST to each operation's path reaches its handler (the operation's own error table answers an empty form)."""
    response = client.post(AUTHORITY + route.path)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request", response.text


@pytest.mark.parametrize("name", ["discovery", "jwks"])
def test_the_metadata_routes_are_served_under_the_authority(client: httpx.Client, name: str) -> None:
    assert client.get(AUTHORITY + openapi.metadata_path(name)).status_code == 200
