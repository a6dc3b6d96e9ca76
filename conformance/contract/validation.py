"""`conformance spec validate`: every check of the specification that needs no target, one line per problem."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing.exceptions import Unresolvable

from conformance.contract import conditions, errata, errors, openapi, paths, requirements, schemas


def _openapi() -> Iterator[str]:
    for problem in OpenAPIV31SpecValidator(openapi.document(), base_uri=paths.OPENAPI_PATH.as_uri()).iter_errors():
        yield f"{paths.OPENAPI_PATH.name}: {problem.message}"


def _schemas() -> Iterator[str]:
    for file in sorted(paths.SCHEMAS_DIR.rglob("*.json")):
        where = file.relative_to(paths.REPO_ROOT)
        contents = json.loads(file.read_text(encoding="utf-8"))
        for problem in Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(contents):
            yield f"{where}: {problem.message}"
        try:
            schemas.validator(schemas.schema_id(file))
            for op in openapi.operations():
                schemas.validator(op.request_schema_id)
        except (Unresolvable, KeyError) as exc:
            yield f"{where}: {exc}"


def _error_enums() -> Iterator[str]:
    table = errors.table()
    for op in openapi.operations():
        documented, tabled = openapi.error_enum(op.path), {row.error for row in table.for_endpoint(op.path)}
        for value in sorted(documented ^ tabled):
            side = "errors.yaml" if value in tabled else "the OpenAPI error enum"
            yield f"{op.path}: error {value!r} appears only in {side}"


def _errata_references() -> Iterator[str]:
    known = {item.id for item in errata.errata()}
    for row in errors.table():
        for erratum_id in row.errata:
            if erratum_id not in known:
                yield f"errors.yaml: {row.id}: errata: unknown {erratum_id}"


def _rules() -> Iterator[str]:
    requirements.rules()
    return iter(())


def _conditions() -> Iterator[str]:
    conditions.conditions()
    return iter(())


CHECKS: tuple[tuple[str, Callable[[], Iterator[str]]], ...] = (
    ("conditions", _conditions),
    ("OpenAPI document", _openapi),
    ("JSON Schemas", _schemas),
    ("error tables vs OpenAPI", _error_enums),
    ("errata references", _errata_references),
    ("rules", _rules),
)


def validate_all() -> list[str]:
    """Every problem found in specs/ and schemas/; empty when the specification is valid."""
    problems: list[str] = []
    for name, check in CHECKS:
        try:
            problems.extend(check())
        except (ValueError, KeyError, OSError) as exc:
            problems.append(f"{name}: {exc}")
    return problems
