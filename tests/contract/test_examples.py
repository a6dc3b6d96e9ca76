"""The response bodies the docs print validate against their endpoint's schema (api-reference.md §3–§6, §10).

An example the errata rule malformed must fail, and must validate once the ruled defect is repaired; every example
that validates (as printed or repaired) also anchors mutation tests: drop a required field, change a field's type or
set an enum/const field to an undocumented value, and the schema must reject the body.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.contract import errata, openapi, paths, schemas

INDEX = json.loads((paths.EXAMPLES_DIR / "index.json").read_text(encoding="utf-8"))
EXAMPLES = {
    entry["file"]: json.loads((paths.EXAMPLES_DIR / entry["file"]).read_text(encoding="utf-8")) for entry in INDEX
}

PLACEHOLDER_TIMESTAMP = "ERR-64"  # "yyyy-mm-dd 10:15:00Z"
ELIDED_ID = "ERR-65"  # trace/correlation ids shortened with "...", e.g. "d6966055-...-80500"
# The examples the errata rule malformed, each with every erratum that names it (specs/errata.yaml `examples:`).
MALFORMED: dict[str, tuple[str, ...]] = errata.example_errata()


def _set_timestamp(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "timestamp": "2024-05-06 10:15:00Z"}


def _set_ids(body: dict[str, Any]) -> dict[str, Any]:
    return {
        **body,
        "trace_id": "4457d068-2a03-42b2-97f2-d55325289d86",
        "correlation_id": "6b3474d8-233e-463f-b0a3-86433d8ba889",
    }


def _strip_spaces(body: dict[str, Any]) -> dict[str, Any]:
    return {key.strip(): value.strip() if isinstance(value, str) else value for key, value in body.items()}


def _unchanged(body: dict[str, Any]) -> dict[str, Any]:
    return body


# How to repair each kind of defect. ERR-04 (`"error": ""`) has no repair; ERR-02 (E14 example about
# `challenge_type`), ERR-32 (open attribute `type`) and ERR-33 (opaque `regex`) are invisible to the schemas.
REPAIRS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    PLACEHOLDER_TIMESTAMP: _set_timestamp,
    "ERR-12": _set_timestamp,
    ELIDED_ID: _set_ids,
    "ERR-21": _strip_spaces,
    "ERR-22": _strip_spaces,
    "ERR-02": _unchanged,
    "ERR-32": _unchanged,
    "ERR-33": _unchanged,
}

# Mutation oracle, from the digest's field tables: fields documented as optional, and fields with a closed value set.
OPTIONAL = {"interval", "refresh_token", "id_token", "redirect_reason", "suberror", "options", "regex"}
OPTIONAL_AT = {openapi.path_of("registerIntrospect"): {"login_hint"}}
CLOSED = {"challenge_type", "binding_method", "token_type", "status", "error", "challenge_channel"}
CLOSED_AT = {openapi.path_of("registerIntrospect"): {"id"}}


def _repaired(name: str) -> dict[str, Any] | None:
    body = EXAMPLES[name]["body"]
    for reason in MALFORMED[name]:
        if reason not in REPAIRS:
            return None
        body = REPAIRS[reason](body)
    return body


def _bases() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, example in EXAMPLES.items():
        body = _repaired(name) if name in MALFORMED else example["body"]
        if body is not None:
            yield name, body


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) below `node`, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*path, key), value
        yield from _leaves(value, (*path, key))


def _replace(body: Any, path: tuple[Any, ...], value: Any = None, *, delete: bool = False) -> Any:
    mutated = copy.deepcopy(body)
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return mutated


def _other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return 1
    if isinstance(value, list):
        return {"0": value}
    return [value]


def _problems(name: str, body: Any) -> list[str]:
    """FAIL- and WARNING-level findings of the schema for the example's endpoint and status."""
    endpoint, status = EXAMPLES[name]["endpoint"], EXAMPLES[name]["http_status"]
    return schemas.validate_response(endpoint, status, body) + schemas.response_warnings(endpoint, status, body)


def _mutations(endpoint: str, body: dict[str, Any]) -> Iterator[tuple[str, Any, bool]]:
    """(description, mutated body, whether the schema must reject it)."""
    optional = OPTIONAL | OPTIONAL_AT.get(endpoint, set())
    closed = CLOSED | CLOSED_AT.get(endpoint, set())
    for path, value in _leaves(body):
        key = path[-1]
        where = "/".join(map(str, path))
        if isinstance(key, str):
            yield f"remove {where}", _replace(body, path, delete=True), key not in optional
            if key in closed:
                yield f"undocumented value at {where}", _replace(body, path, "undocumented_value"), True
        yield f"retype {where}", _replace(body, path, _other_type(value)), True


def test_index_lists_every_example() -> None:
    on_disk = {file.name for file in paths.EXAMPLES_DIR.glob("*.json")} - {"index.json"}
    assert set(EXAMPLES) == on_disk
    for entry in INDEX:
        example = EXAMPLES[entry["file"]]
        assert (example["endpoint"], example["http_status"], example["source"]) == (
            entry["endpoint"],
            entry["http_status"],
            entry["source"],
        )


def test_exclusions_name_existing_examples() -> None:
    assert set(MALFORMED) <= set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_endpoint_and_status_are_documented(name: str) -> None:
    example = EXAMPLES[name]
    assert example["http_status"] in (200, *openapi.operation(example["endpoint"]).error_statuses)


@pytest.mark.parametrize("name", sorted(set(EXAMPLES) - set(MALFORMED)))
def test_documented_example_validates(name: str) -> None:
    assert _problems(name, EXAMPLES[name]["body"]) == []


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_example_fails_only_for_its_ruled_defects(name: str) -> None:
    assert _problems(name, EXAMPLES[name]["body"]) != []
    repaired = _repaired(name)
    if repaired is not None:
        assert _problems(name, repaired) == []


@pytest.mark.parametrize("name", sorted(set(EXAMPLES) - set(MALFORMED)))
def test_documented_example_uses_documented_properties_only(name: str) -> None:
    example = EXAMPLES[name]
    schema_id = schemas.response_schema_id(example["endpoint"], example["http_status"])
    assert set(example["body"]) <= schemas.documented_properties(schema_id)


@pytest.mark.parametrize(("name", "body"), [pytest.param(name, body, id=name) for name, body in _bases()])
def test_mutations_are_rejected(name: str, body: dict[str, Any]) -> None:
    wrong = [
        f"{description}: {'accepted' if must_reject else 'rejected'}"
        for description, mutated, must_reject in _mutations(EXAMPLES[name]["endpoint"], body)
        if must_reject
        == (schemas.validate_response(EXAMPLES[name]["endpoint"], EXAMPLES[name]["http_status"], mutated) == [])
    ]
    assert wrong == []
