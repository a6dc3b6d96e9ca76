"""What the OpenAPI document says of a chain's operations: which begin a flow, which grant types each takes a
continuation token with, and a step's request sent with another grant type (R-TOKEN-GRANT-MATCH)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from conformance.contract import openapi
from conformance.steps import json_attributes
from conformance.walker import Reached
from conformance.walker.actor import attribute_values, new_password


@cache
def start_operations() -> tuple[openapi.Operation, ...]:
    """Operations no link feeds (E1, E4, E11): each begins a flow and takes no continuation token."""
    fed = {link.target for link in openapi.links()}
    return tuple(op for op in openapi.operations() if op.operation_id not in fed)


def grants(operation: str) -> tuple[str, ...]:
    """The grant types an operation documents for a continuation token (not `refresh_token`), in document order."""
    with_token = {p.grant_type for p in openapi.operation(operation).parameters if p.name == "continuation_token"}
    return tuple(grant for grant in openapi.grant_types(operation) if grant in with_token)


@cache
def all_grants() -> tuple[str, ...]:
    """Every grant type documented for a continuation token on any endpoint."""
    return tuple(dict.fromkeys(g for op in openapi.operations() for g in grants(op.operation_id)))


def other_grant(operation: str, own: str) -> str:
    """A documented grant type other than `own`: the endpoint's next one, else one another endpoint documents."""
    return next(g for g in (*grants(operation), *all_grants()) if g != own)


def regrant(reached: Reached, grant: str, profile_scopes: Iterable[str]) -> dict[str, str | None]:
    """The step's request with another grant type: the fields that grant documents, its required ones filled in."""
    params = [p for p in openapi.operation(reached.operation).parameters if p.grant_type == grant]
    if not params:
        return {**reached.form, "grant_type": grant}
    names = {p.name for p in params}
    form: dict[str, str | None] = {name: value for name, value in reached.form.items() if name in names}
    fillers: dict[str, Callable[[], str | None]] = {
        "password": lambda: reached.password or new_password(),
        "oob": lambda: reached.code or "0" * reached.actor.tenant.otp_length,
        "attributes": lambda: json_attributes(attribute_values(reached.actor.tenant)) or "{}",
        "scope": lambda: " ".join(profile_scopes),
    }
    for param in params:
        if param.required and form.get(param.name) is None and param.name in fillers:
            form[param.name] = fillers[param.name]()
    form["grant_type"] = grant
    return form
