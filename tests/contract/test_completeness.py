"""Everything the digest documents (`specs/checklist.yaml`) is in the OpenAPI contract and in `specs/errors.yaml`.

Entries marked `excluded` carry a reason and, being ruled-out spellings or non-form values, must be absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from conformance.contract import errata, errors, openapi, paths, schemas

CHECKLIST = yaml.safe_load((paths.SPECS_DIR / "checklist.yaml").read_text(encoding="utf-8"))
ENDPOINTS = {entry["tag"]: entry for entry in CHECKLIST["endpoints"]}
ERROR_ENVELOPE_ID = schemas.BASE_URI + "common/error.json"


def _excluded(entry: Any) -> bool:
    return isinstance(entry, dict) and "excluded" in entry


def _row_id(entry: Any) -> str:
    return entry["id"] if isinstance(entry, dict) else entry


def _nodes(schema_id: str) -> Iterator[dict[str, Any]]:
    """Every subschema reachable from `schema_id` through `$ref`s and applicators (each visited once)."""
    pending: list[tuple[Any, str]] = [(schemas.schema(schema_id), schema_id)]
    seen: set[int] = set()
    while pending:
        node, base = pending.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if "$ref" in node:
            pending.append(schemas.resolve(node["$ref"], base))
        for key in ("allOf", "anyOf", "oneOf"):
            pending.extend((branch, base) for branch in node.get(key, []))
        for key in ("if", "then", "else", "not", "items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                pending.append((node[key], base))
        pending.extend((child, base) for child in node.get("properties", {}).values())


def _properties(schema_id: str) -> dict[str, list[dict[str, Any]]]:
    """Property name → every subschema declaring it, anywhere below `schema_id`."""
    found: dict[str, list[dict[str, Any]]] = {}
    for node in _nodes(schema_id):
        for name, child in node.get("properties", {}).items():
            found.setdefault(name, []).append(child)
    return found


def _values(declarations: list[dict[str, Any]], base: str) -> set[str]:
    """The `enum`/`const` values the declarations of one property allow (following `$ref`s and branches)."""
    values: set[str] = set()
    pending = [(node, base) for node in declarations]
    while pending:
        node, where = pending.pop()
        values.update(node.get("enum", []))
        if "const" in node:
            values.add(node["const"])
        if "$ref" in node:
            pending.append(schemas.resolve(node["$ref"], where))
        pending.extend((branch, where) for key in ("allOf", "anyOf", "oneOf") for branch in node.get(key, []))
    return values


@pytest.fixture(scope="module")
def table() -> errors.ErrorTable:
    return errors.table()


def test_every_excluded_entry_has_a_reason() -> None:
    """Deliberate omissions say why."""

    def walk(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    excluded = [node for node in walk(CHECKLIST) if "excluded" in node]
    assert excluded
    for node in excluded:
        assert isinstance(node["excluded"], str) and len(node["excluded"].split()) >= 3, node


def test_every_endpoint_is_an_operation() -> None:
    """The 15 documented endpoints are exactly the OpenAPI operations, with their doc tags (api-reference.md §2)."""
    documented = {(entry["tag"], entry["path"]) for entry in CHECKLIST["endpoints"]}
    assert len(documented) == 15
    assert documented == {(operation.doc_tag, operation.path) for operation in openapi.operations()}


@pytest.mark.parametrize("tag", ENDPOINTS)
def test_parameters_are_documented(tag: str) -> None:
    """Each documented form parameter exists in its request step(s) with the requiredness the errata rule."""
    entry = ENDPOINTS[tag]
    operation = openapi.operation(entry["path"])
    steps: dict[str | None, dict[str, bool]] = {}
    for parameter in operation.parameters:
        steps.setdefault(parameter.grant_type, {})[parameter.name] = parameter.required
    for parameter in entry["parameters"]:
        name = parameter["name"]
        if _excluded(parameter):
            assert all(name not in fields for fields in steps.values()), f"{tag} {name} is excluded but present"
            continue
        grant = parameter.get("grant_type")
        for step in [grant] if grant else entry.get("grant_types", [None]):
            assert step in steps, f"{tag}: no request step grant_type={step}"
            assert name in steps[step], f"{tag} grant_type={step}: parameter {name} missing"
            assert steps[step][name] is parameter["required"], f"{tag} grant_type={step}: {name} required?"
    for grant in entry.get("grant_types", []):
        assert grant in steps, f"{tag}: grant_type {grant} has no request step"


@pytest.mark.parametrize("tag", ENDPOINTS)
def test_success_fields_are_documented(tag: str) -> None:
    """Each documented success field (and array-item field) is a property of the endpoint's 200 schema."""
    entry = ENDPOINTS[tag]
    response_id = schemas.response_schema_id(entry["path"], 200)
    properties = _properties(response_id)
    for variant in entry["responses"]:
        for field in variant["fields"]:
            if _excluded(variant):
                assert field not in properties, f"{tag} {variant['variant']}: {field} is excluded but present"
            else:
                assert field in properties, f"{tag} {variant['variant']}: success field {field} missing"
        for array, fields in variant.get("items", {}).items():
            item_fields = {name for node in properties[array] for name in _properties_of_items(node, response_id)}
            assert set(fields) <= item_fields, f"{tag} {array}[]: missing {set(fields) - item_fields}"


def _properties_of_items(node: dict[str, Any], base: str) -> set[str]:
    names: set[str] = set()
    pending = [(node, base)]
    while pending:
        current, where = pending.pop()
        if "$ref" in current:
            pending.append(schemas.resolve(current["$ref"], where))
        if isinstance(current.get("items"), dict):
            target, target_base = current["items"], where
            if "$ref" in target:
                target, target_base = schemas.resolve(target["$ref"], where)
            names.update(_all_properties(target, target_base))
        pending.extend((branch, where) for key in ("allOf", "anyOf", "oneOf") for branch in current.get(key, []))
    return names


def _all_properties(node: dict[str, Any], base: str) -> set[str]:
    names = set(node.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(key, []):
            target, target_base = schemas.resolve(branch["$ref"], base) if "$ref" in branch else (branch, base)
            names |= _all_properties(target, target_base)
    return names


@pytest.mark.parametrize("tag", ENDPOINTS)
def test_error_rows_are_documented(tag: str, table: errors.ErrorTable) -> None:
    """Each documented error row exists in errors.yaml and its `error` value is in the endpoint's OpenAPI enum."""
    entry = ENDPOINTS[tag]
    enum = openapi.error_enum(entry["path"])
    for row_id in entry["errors"]:
        row = table.get(row_id)
        assert row.endpoint == entry["path"] and row.suberror is None, row_id
        assert row.error in enum, f"{row_id}: {row.error} not in the OpenAPI error enum"


@pytest.mark.parametrize("tag", ENDPOINTS)
def test_suberrors_are_documented(tag: str, table: errors.ErrorTable) -> None:
    """Each documented suberror row exists in errors.yaml and its value is declared by the endpoint's 400 schema."""
    entry = ENDPOINTS[tag]
    error_id = schemas.response_schema_id(entry["path"], 400)
    declared = _values(_properties(error_id).get("suberror", []), error_id)
    for suberror in entry["suberrors"]:
        row_id = _row_id(suberror)
        if _excluded(suberror):
            assert row_id not in table, f"{row_id} is excluded but is a row"
            assert row_id.rsplit(".", 1)[1] not in declared, f"{row_id} is excluded but declared"
            continue
        row = table.get(row_id)
        assert row.endpoint == entry["path"] and row.suberror is not None, row_id
        assert row.suberror in declared, f"{row_id}: suberror {row.suberror} not declared in {error_id}"


def test_checklist_lists_every_error_row(table: errors.ErrorTable) -> None:
    """Conversely, every row of errors.yaml is a documented error, suberror or errata-ruled row of the checklist."""
    listed = {_row_id(item) for entry in ENDPOINTS.values() for key in ("errors", "suberrors") for item in entry[key]}
    listed |= set(CHECKLIST["errata_rows"])
    assert {row.id for row in table.rows} == {row_id for row_id in listed if row_id in table}
    assert set(CHECKLIST["errata_rows"]) == {row.id for row in table.rows if row.ruled_by}


def test_envelope_fields_are_documented() -> None:
    """The common error envelope (api-reference.md §1.1) declares every documented property."""
    declared = schemas.documented_properties(ERROR_ENVELOPE_ID)
    assert {field["name"] for field in CHECKLIST["envelope"]} <= declared


def test_poll_statuses_are_documented() -> None:
    """E15 (`ssprPollCompletion`) `status` allows exactly the four documented values."""
    poll = CHECKLIST["poll_statuses"]
    response_id = schemas.response_schema_id(poll["endpoint"], 200)
    declared = _values(_properties(response_id)[poll["field"]], response_id)
    assert declared == set(poll["values"])
    assert len(poll["values"]) == 4


def test_aadsts_index_matches_rows(table: errors.ErrorTable) -> None:
    """Every AADSTS code of api-reference.md §8 sits on its rows, in the errata tolerating it, or is excluded; rows
    carry no other code."""
    carried = {code for row in table.rows for code in row.aadsts}
    indexed = set()
    for entry in CHECKLIST["aadsts"]:
        if _excluded(entry) or "errata" in entry:
            assert entry["code"] not in carried, entry["code"]
        if "errata" in entry:
            for erratum_id in entry["errata"]:
                softens = errata.get(erratum_id).softens
                assert softens is not None and entry["code"] in (*softens.codes, *softens.tolerate), erratum_id
        if _excluded(entry) or "errata" in entry:
            continue
        indexed.add(entry["code"])
        for row_id in entry["rows"]:
            assert entry["code"] in table.get(row_id).aadsts, (entry["code"], row_id)
        assert {row.id for row in table.rows if entry["code"] in row.aadsts} == set(entry["rows"]), entry["code"]
    assert carried == indexed
