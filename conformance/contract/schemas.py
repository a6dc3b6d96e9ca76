"""Every JSON Schema under `schemas/`, registered by `$id`, and validators built from them.

A subschema marked `x-verdict: warning` holds a constraint the errata rule WARNING-level (e.g. GUID-shaped
`trace_id`, ERR-65): `validate_response` ignores it and `softened` reports it with the errata its `x-errata` names,
wherever it sits: the registry
holds each file without its `$schema` (every file is 2020-12), because jsonschema re-picks the validator class from a
`$schema` it meets behind a `$ref`, which would drop the keyword overrides below. `pattern` is matched as JSON Schema
means it, an ECMA-262 regex (`regress`): with Python's `re`, `$` would also match before a final newline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from regress import Regex

from conformance.contract import openapi, paths

#: `$id`s mirror the layout of `schemas/` under this base, so relative `$ref`s resolve alike from disk and registry.
BASE_URI = "https://native-auth-conformance.local/schemas/"


def schema_id(file: Path) -> str:
    """The `$id` a schema file under `schemas/` must carry."""
    return BASE_URI + file.resolve().relative_to(paths.SCHEMAS_DIR.resolve()).as_posix()


@cache
def registry() -> Registry:
    """Every schema under `schemas/`, by `$id`; a file whose `$id` does not mirror its path is an error."""
    resources = []
    for file in sorted(paths.SCHEMAS_DIR.rglob("*.json")):
        contents = json.loads(file.read_text(encoding="utf-8"))
        expected = schema_id(file)
        if contents.get("$id") != expected:
            raise ValueError(f"{file}: $id must be {expected!r}, found {contents.get('$id')!r}")
        contents.pop("$schema", None)
        resources.append((expected, DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources).crawl()


def schema(schema_id: str) -> dict[str, Any]:
    """The schema registered under `schema_id`."""
    return registry().contents(schema_id)


def resolve(ref: str, base: str) -> tuple[Any, str]:
    """What a `$ref` written inside the resource `base` points at, and the resource that holds it."""
    uri = urljoin(base, ref)
    return registry().resolver().lookup(uri).contents, urldefrag(uri).url


@cache
def _ecma_regex(pattern: str) -> Regex:
    return Regex(pattern)


def matches(pattern: str, value: str) -> bool:
    """Whether `value` matches `pattern` as JSON Schema's `pattern` means it: an ECMA-262 regex, found anywhere unless
    anchored (the one way every pattern of the contract is matched, `conformance.contract.vocabulary` too)."""
    return _ecma_regex(pattern).find(value) is not None


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterable[Any]:
    if validator.is_type(instance, "string") and not matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _unless_warning(check: Any) -> Any:
    def checked(validator: Validator, value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterable[Any]:
        if schema.get("x-verdict") != "warning":
            yield from check(validator, value, instance, schema)

    return checked


def _naming_errata(check: Any) -> Any:
    """Errors raised inside a subschema marked `x-verdict: warning` carry the errata it names (`x_errata`)."""

    def checked(validator: Validator, value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterable[Any]:
        for error in check(validator, value, instance, schema):
            if schema.get("x-verdict") == "warning" and not hasattr(error, "x_errata"):
                error.x_errata = tuple(schema.get("x-errata", ()))
            yield error

    return checked


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})
_FailLevelValidator = validators.extend(
    _Validator, {keyword: _unless_warning(check) for keyword, check in _Validator.VALIDATORS.items()}
)
_WarningLevelValidator = validators.extend(
    _Validator, {keyword: _naming_errata(check) for keyword, check in _Validator.VALIDATORS.items()}
)


@cache
def validator(schema_id: str, *, warnings: bool = True) -> Validator:
    """A 2020-12 validator for `schema_id` resolving `$ref`s through the registry and checking `format`.

    With `warnings=False`, subschemas marked `x-verdict: warning` always pass; with `warnings=True` the errors they
    raise carry `x_errata`, the errata the subschema names.
    """
    cls = _WarningLevelValidator if warnings else _FailLevelValidator
    return cls(schema(schema_id), registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def conforms(instance: object, ref: str) -> bool:
    """True when `instance` matches the (sub)schema `ref` names: a path under `schemas/`, optionally with a JSON
    pointer fragment (`common/form.json#/$defs/client_id`)."""
    return _ref_validator(urljoin(BASE_URI, ref)).is_valid(instance)


@cache
def _ref_validator(ref: str) -> Validator:
    return _Validator({"$ref": ref}, registry=registry())


def request_schema_id(path: str) -> str:
    """The schema a request body (form fields as a dict) of the endpoint at `path` must match."""
    return openapi.operation(path).request_schema_id


def response_schema_id(path: str, status: int) -> str:
    """The schema a response body of the endpoint at `path` with HTTP `status` must match."""
    return openapi.operation(path).response(status).schema_id


def validate_response(path: str, status: int, body: object) -> list[str]:
    """Why `body` is not a documented HTTP `status` response of `path` (FAIL-level); empty when it is."""
    try:
        schema_id = response_schema_id(path, status)
    except KeyError:
        return [f"HTTP {status} is not a documented status of {path}"]
    return messages(validator(schema_id, warnings=False).iter_errors(body))


def softened(path: str, status: int, body: object) -> list[tuple[str, tuple[str, ...]]]:
    """The WARNING-level (`x-verdict: warning`) constraints a response that passes `validate_response` breaks: one
    line each, with the errata the constraint names."""
    if validate_response(path, status, body):
        return []
    found = validator(response_schema_id(path, status)).iter_errors(body)
    return [(message(error), _errata_of(error)) for error in sorted(found, key=_where)]


def _errata_of(error: ValidationError) -> tuple[str, ...]:
    """The errata a softened constraint names; for a failed `oneOf`/`anyOf`, those of the variant the body selects."""
    if hasattr(error, "x_errata"):
        return error.x_errata
    inner = _selected_variant(error) if error.context else []
    return tuple(dict.fromkeys(name for sub in inner for name in _errata_of(sub)))


def response_warnings(path: str, status: int, body: object) -> list[str]:
    """The lines of `softened`."""
    return [line for line, _ in softened(path, status, body)]


def messages(errors: Iterable[ValidationError]) -> list[str]:
    """One line per validation error (`message`), in JSON-path order."""
    return [message(error) for error in sorted(errors, key=_where)]


def _where(error: ValidationError) -> str:
    return error.json_path


#: The fields whose value picks a response variant: an answer's variant is the one its discriminators fit.
DISCRIMINATORS = ("error", "status", "challenge_type")


def message(error: ValidationError) -> str:
    """JSON path and message; for a failed `oneOf`/`anyOf`, what breaks the variant that the body's discriminators
    (`error`, `status`, `challenge_type`) select, else the closest variant."""
    if not error.context:
        return f"{error.json_path}: {error.message}"
    variant = _selected_variant(error)
    if variant:
        return f"{error.json_path}: matches no documented variant; " + "; ".join(
            f"{e.json_path}: {e.message}" for e in sorted(variant, key=_where)
        )
    return f"{error.json_path}: matches no documented variant; closest: {best_match(error.context).message}"


def _selected_variant(error: ValidationError) -> list[ValidationError]:
    """The errors of the one variant whose discriminator fields the instance satisfies (empty when none or several)."""
    by_variant: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        by_variant.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else None, []).append(sub)
    fitting = [found for found in by_variant.values() if not any(_on_discriminator(sub) for sub in found)]
    return fitting[0] if len(fitting) == 1 else []


def _on_discriminator(error: ValidationError) -> bool:
    """The error is about a discriminator: its value (or its absence) rules the variant out."""
    if error.relative_path and error.relative_path[0] in DISCRIMINATORS:
        return True
    missing = error.validator == "required" and any(f"'{name}'" in error.message for name in DISCRIMINATORS)
    if missing:
        return True
    return bool(error.context) and all(_on_discriminator(sub) for sub in error.context)


def documented_properties(schema_id: str) -> frozenset[str]:
    """Top-level property names the schema documents across its `$ref`, `allOf`, `oneOf` and `anyOf` branches."""
    names: set[str] = set()
    pending: list[tuple[Mapping[str, Any], str]] = [(schema(schema_id), schema_id)]
    while pending:
        node, base = pending.pop()
        names.update(node.get("properties", {}))
        if "$ref" in node:
            pending.append(resolve(node["$ref"], base))
        pending.extend((branch, base) for key in ("allOf", "oneOf", "anyOf") for branch in node.get(key, []))
    return frozenset(names)
