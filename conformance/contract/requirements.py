"""Requirement ids: every check cites one, and each resolves to a row of the spec data and its doc section."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from conformance.contract import errors, openapi, paths, schemas

#: Where a rule comes from (specs/rules.yaml header): a native-auth doc page, a client library's code, or neither.
BASES = ("documented", "observed", "inferred")
_RULE_KEYS = {"id", "section", "source", "basis", "rule"}
_OPTIONAL_RULE_KEYS = {"observed_in", "reason"}
_RULE_ID = re.compile(r"^R-[A-Z0-9]+(-[A-Z0-9]+)*$")
_DOC_TAG = re.compile(r"^S\d+(-\w+)?$")
_LIBRARY_TAG = re.compile(r"^X-[A-Za-z]+$")


@dataclass(frozen=True, slots=True)
class Requirement:
    """A rule a check cites: an error row, an endpoint/step, or a cross-cutting rule of `specs/rules.yaml`."""

    id: str
    kind: str  # "error-row" | "endpoint" | "rule"
    section: str
    source: str
    rule: str
    basis: str = "documented"  # one of BASES
    basis_note: str = ""  # observed: the library and file; inferred: what the rule is inferred from


def _rule(index: int, item: Any) -> Requirement:
    where = f"rules.yaml: rule {item.get('id', f'#{index}') if isinstance(item, dict) else f'#{index}'}"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping")
    for key in sorted(item.keys() - _RULE_KEYS - _OPTIONAL_RULE_KEYS):
        raise ValueError(f"{where}: {key}: unknown key")
    for key in sorted(_RULE_KEYS - item.keys()):
        raise ValueError(f"{where}: {key}: missing key")
    if not isinstance(item["id"], str) or not _RULE_ID.match(item["id"]):
        raise ValueError(f"{where}: id: expected R-UPPER-CASE, got {item['id']!r}")
    source = item["source"]
    if not isinstance(source, list) or not source or not all(isinstance(tag, str) for tag in source):
        raise ValueError(f"{where}: source: expected a non-empty list of doc tags")
    basis = item["basis"]
    if basis not in BASES:
        raise ValueError(f"{where}: basis: {basis!r} not one of {', '.join(BASES)}")
    needs = {"documented": None, "observed": "observed_in", "inferred": "reason"}[basis]
    for key in _OPTIONAL_RULE_KEYS:
        if key in item and key != needs:
            raise ValueError(f"{where}: {key}: only for basis {'observed' if key == 'observed_in' else 'inferred'}")
    if needs and not (isinstance(item.get(needs), str) and item[needs].strip()):
        raise ValueError(f"{where}: {needs}: required for basis {basis}")
    if basis == "documented" and not any(_DOC_TAG.match(tag) for tag in source):
        raise ValueError(f"{where}: source: a documented rule cites a native-auth doc tag (S1..S17)")
    if basis == "observed" and not any(_LIBRARY_TAG.match(tag) for tag in source):
        raise ValueError(f"{where}: source: an observed rule cites a client-library tag (X-JS, ...)")
    return Requirement(
        item["id"], "rule", item["section"], ", ".join(source), item["rule"], basis, item.get(needs or "", "")
    )


def load_rules(path: Path) -> dict[str, Requirement]:
    """Read and validate a rules file; ValueError names the rule and key at fault (tests use edited copies)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise ValueError("rules.yaml: rules: expected a list")
    found: dict[str, Requirement] = {}
    for index, item in enumerate(document["rules"]):
        rule = _rule(index, item)
        if rule.id in found:
            raise ValueError(f"rules.yaml: rule {rule.id}: id: duplicate")
        found[rule.id] = rule
    return found


@cache
def _rules() -> dict[str, Requirement]:
    return load_rules(paths.SPECS_DIR / "rules.yaml")


@cache
def _endpoints() -> dict[str, Requirement]:
    found: dict[str, Requirement] = {}
    for op in openapi.operations():
        found[op.doc_tag] = Requirement(
            op.doc_tag,
            "endpoint",
            f"§{op.doc_tag} {op.path}",
            op.doc_source,
            f"{op.path} answers documented statuses with bodies that match their schemas.",
        )
    for row in errors.table():
        step = row.table.removesuffix("-attrs")
        if step not in found and step.startswith("E"):
            path = openapi.operation(row.endpoint).path
            found[step] = Requirement(
                step,
                "endpoint",
                f"§{step} {path} grant_type={row.grant_type}",
                row.source.tag,
                f"{path} with grant_type={row.grant_type} answers as documented.",
            )
    return found


def rules() -> tuple[Requirement, ...]:
    """Every cross-cutting rule."""
    return tuple(_rules().values())


def resolve(requirement_id: str) -> Requirement:
    """The requirement behind an id; KeyError names an id that resolves to nothing."""
    if requirement_id in _rules():
        return _rules()[requirement_id]
    if requirement_id in _endpoints():
        return _endpoints()[requirement_id]
    if requirement_id in errors.table():
        row = errors.table().get(requirement_id)
        return Requirement(
            row.id,
            "error-row",
            f"§{row.table} {row.source.section}",
            row.source.tag,
            f"{row.endpoint} answers HTTP {row.status} error={row.error}"
            + (f" suberror={row.suberror}" if row.suberror else "")
            + f" when {row.trigger.how}.",
            *(("inferred", "the generic token-issuance page (Seed002), not a native-auth page") if row.generic else ()),
        )
    raise KeyError(f"requirement {requirement_id!r} resolves to no endpoint, error row or rule")


@dataclass(frozen=True, slots=True)
class SchemaField:
    """A schema property that is not documented: it says its basis (`x-basis`) and the rule behind it (`x-rule`)."""

    where: str  # schema `$id` and JSON pointer of the property: `.../common/token.json#/properties/client_info`
    name: str
    basis: str
    rule: str


def _annotated(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema below `node` that carries `x-basis`, with its JSON pointer."""
    if isinstance(node, dict):
        if "x-basis" in node:
            yield pointer, node
        for key, child in node.items():
            yield from _annotated(child, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _annotated(child, f"{pointer}/{index}")


def schema_field(where: str, node: dict[str, Any], known: dict[str, Requirement]) -> SchemaField:
    """Read one `x-basis` annotation; ValueError unless its basis is known and, for a field the docs do not state,
    `x-rule` names a rule of `specs/rules.yaml` with that same basis (which holds the library file or the reason)."""
    basis, rule = node.get("x-basis"), node.get("x-rule")
    if basis not in BASES:
        raise ValueError(f"{where}: x-basis: {basis!r} not one of {', '.join(BASES)}")
    if basis != "documented" and not isinstance(rule, str):
        raise ValueError(f"{where}: x-rule: required for x-basis {basis}")
    if rule is not None and (rule not in known or known[rule].basis != basis):
        found = f"a {known[rule].basis} rule" if rule in known else "no rule of specs/rules.yaml"
        raise ValueError(f"{where}: x-rule: {rule!r} is {found}, expected a rule of basis {basis}")
    return SchemaField(where, where.rsplit("/", 1)[-1], basis, rule or "")


@cache
def schema_fields() -> tuple[SchemaField, ...]:
    """Every annotated property of `schemas/` (e.g. `client_info`, observed in MSAL: rule R-CLIENT-INFO)."""
    found = []
    for file in sorted(paths.SCHEMAS_DIR.rglob("*.json")):
        schema_id = schemas.schema_id(file)
        for pointer, node in _annotated(schemas.schema(schema_id)):
            found.append(schema_field(f"{schema_id}#{pointer}", node, _rules()))
    return tuple(found)


def _marker_of_table(table: str) -> str:
    return table.removesuffix("-attrs").replace("-", "_")


def section_marker(requirement_id: str) -> str | None:
    """The pytest marker of the doc section a requirement belongs to: its endpoint step (`E5`, `E3a`), `G_token` for
    the generic token table; None for a cross-cutting rule (its sections span the document)."""
    requirement = resolve(requirement_id)
    if requirement.kind == "endpoint":
        return requirement.id
    if requirement.kind == "error-row":
        return _marker_of_table(errors.table().get(requirement_id).table)
    return None


def section_markers() -> tuple[str, ...]:
    """Every doc-section marker `section_marker` can give."""
    return tuple(sorted({*_endpoints(), *(_marker_of_table(row.table) for row in errors.table())}))
