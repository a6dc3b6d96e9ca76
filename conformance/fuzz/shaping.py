"""Positive data the target can act on: the profile's client_id, fresh usernames, `challenge_type` with `redirect`.

Generated values stay where they are fuzz (every other field, unknown extra fields, headers). In a negative case a field
is only replaced when no mutation touched it and the case stays negative, so the invalid part reaches the checks the
target makes after `client_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemathesis import Case
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData

from conformance.contract import openapi, schemas
from conformance.target import Target

ENTRY_OPERATIONS = frozenset({"signupStart", "signinInitiate", "ssprStart"})


def operation_id(case: Case) -> str:
    """The operationId of a case."""
    return openapi.operation(case.path).operation_id


def is_positive(case: Case) -> bool:
    """Whether schemathesis holds the case (as it is now) to be valid data."""
    return case.meta is None or case.meta.generation.mode.is_positive


def mutated_fields(case: Case) -> set[str] | None:
    """Body fields a negative case's mutations touched; None when that cannot be told (touch nothing)."""
    if is_positive(case):
        return set()
    data = getattr(case.meta.phase, "data", None) if case.meta is not None else None
    if isinstance(data, CoveragePhaseData):
        return _covered_fields(case, data)
    mutations = getattr(data, "mutations", None)
    if not mutations:
        return None
    names: set[str] = set()
    for mutation in mutations:
        if mutation.path:
            names.add(str(mutation.path[0]))
        elif mutation.parameter:
            names.add(str(mutation.parameter))
        else:
            return None
    return names


def _covered_fields(case: Case, data: CoveragePhaseData) -> set[str] | None:
    """The body fields a coverage-phase negative case broke: the property its schema location names, or every
    documented field it left out; none when it broke a header, the method or the media type."""
    if data.parameter_location is not ParameterLocation.BODY:
        return set() if data.parameter_location is ParameterLocation.HEADER or data.parameter is None else None
    steps = (data.location or "").split("/")
    if "properties" in steps[:-1]:
        return {steps[len(steps) - 1 - steps[::-1].index("properties") + 1]}
    if steps[-1:] == ["required"] and isinstance(case.body, dict):
        return {name for name in documented(case) if name not in case.body}
    return None


def assign(case: Case, name: str, value: str, *, add: bool = False) -> bool:
    """Set one form field unless a mutation made it, keeping the case's mode; True when it was set."""
    body = case.body
    if not isinstance(body, dict) or (name not in body and not add):
        return False
    touched = mutated_fields(case)
    if touched is None or name in touched:
        return False
    positive = is_positive(case)
    previous = dict(body)
    case.body = {**body, name: value}
    if is_positive(case) != positive:
        case.body = previous
        return False
    return True


def stateless(case: Case, target: Target) -> None:
    """Shape a stateless case: the profile's client_id, and a fresh username for operations that start a flow."""
    assign(case, "client_id", target.profile.client_id)
    if operation_id(case) in ENTRY_OPERATIONS:
        assign(case, "username", target.new_address())


def documented(case: Case) -> frozenset[str]:
    """Form fields the case's operation documents (any step)."""
    return schemas.documented_properties(schemas.request_schema_id(case.path))


def rebuild(case: Case, fields: dict[str, str], keep: Callable[[str], bool] = lambda name: False) -> None:
    """Replace the documented fields of a positive case's body with `fields` (undocumented extras are kept)."""
    body: dict[str, Any] = dict(case.body) if isinstance(case.body, dict) else {}
    for name in documented(case):
        if name not in ("client_id", "continuation_token") and not keep(name):
            body.pop(name, None)
    body.update(fields)
    case.body = body
