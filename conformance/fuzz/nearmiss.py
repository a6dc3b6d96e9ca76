"""Near misses: a value the spec names for a form field on some step, sent on a step whose schema forbids it.

Random negative data almost never lands on a documented word in the wrong place (`oob password redirect` where a
step takes `oob redirect` only; `grant_type=password` on a step that takes `oob` only), and a request that is wrong in
several ways is refused for the first of them. So these cases are sent from inside a live stateful chain: the user
exists and the continuation token is fresh, and the near-miss field is the one thing wrong with the request. A target
accepting one is either more lenient than the spec or the spec is stricter than the API (issue 15's `challenge_type`
on E11, the password-reset start): a `negative_data_rejection` finding that names the field, either way.

The values come from the spec itself: every `enum`, `const` and `examples` value of a field in any request schema
(`conformance.contract.openapi.Parameter`).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from schemathesis import Case, GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import (
    CaseMetadata,
    ComponentInfo,
    CoverageScenario,
    GenerationInfo,
    PhaseInfo,
)

from conformance.contract import openapi, schemas


@cache
def documented_values() -> dict[str, tuple[str, ...]]:
    """Every value the spec names for each form field, over every operation and request step (sorted)."""
    values: dict[str, set[str]] = {}
    for operation in openapi.operations():
        for parameter in operation.parameters:
            values.setdefault(parameter.name, set()).update(parameter.enum, parameter.examples)
    return {name: tuple(sorted(found)) for name, found in values.items() if found}


@cache
def most() -> int:
    """The most near misses a run can send: one per step field and documented value of that field elsewhere."""
    return sum(
        len(documented_values().get(parameter.name, ()))
        for operation in openapi.operations()
        for parameter in operation.parameters
    )


def candidates(case: Case, skip: Collection[tuple[str, str, str]] = ()) -> list[tuple[str, str]]:
    """(field, value) for each field the case sends and each value the spec documents for that field, other than the
    one sent and not in `skip` ((path, field, value) already judged)."""
    body = case.body if isinstance(case.body, dict) else {}
    return [
        (name, value)
        for name in sorted(body)
        for value in documented_values().get(name, ())
        if value != body[name] and (case.path, name, value) not in skip
    ]


def misses(case: Case, judged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The candidates (`judged`) the case's own step refuses for that field alone, the rest of the form kept; none
    when the case's form is not valid to begin with.

    A value that makes the form another request step (a `grant_type` whose step wants other fields) is no near miss:
    the request is wrong in more ways than one, and a target may spend the chain's token on refusing it.
    """
    body = case.body
    if not judged or not isinstance(body, dict) or not all(isinstance(value, str) for value in body.values()):
        return []
    validator = schemas.validator(schemas.request_schema_id(case.path), warnings=False)
    if not validator.is_valid(body):
        return []
    return [(name, value) for name, value in judged if _wrong_only_in(validator, {**body, name: value}, name)]


def _wrong_only_in(validator: Any, form: dict[str, str], name: str) -> bool:
    """Whether the form breaks its schema, and only at field `name`."""
    errors = list(validator.iter_errors(form))
    return bool(errors) and all(list(error.absolute_path)[:1] == [name] for error in errors)


def variant(case: Case, name: str, value: str) -> Case:
    """The case with `name` set to `value`, as a negative case whose only broken field is `name`."""
    operation = case.operation
    parameter = next((p for p in openapi.operation(case.path).parameters if p.name == name), None)
    patterned = parameter is not None and parameter.pattern is not None
    scenario = CoverageScenario.INVALID_PATTERN if patterned else CoverageScenario.INVALID_ENUM_VALUE
    where = sorted(op.operation_id for op in openapi.operations() if _names(op, name, value))
    meta = CaseMetadata(
        generation=GenerationInfo(time=0.0, mode=GenerationMode.NEGATIVE),
        components={ParameterLocation.BODY: ComponentInfo(mode=GenerationMode.NEGATIVE)},
        phase=PhaseInfo.coverage(
            scenario,
            f"{name}: {value!r}, documented for {', '.join(where)}, not for this step",
            location=f"/properties/{name}",
            parameter=case.media_type,
            parameter_location=ParameterLocation.BODY,
        ),
    )
    return operation.Case(
        headers=dict(case.headers or {}),
        body={**case.body, name: value},
        media_type=case.media_type,
        _meta=meta,
    )


def _names(operation: openapi.Operation, name: str, value: str) -> bool:
    return any(p.name == name and (value in p.enum or value in p.examples) for p in operation.parameters)
