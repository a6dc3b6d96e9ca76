"""Requirement ids: every check cites one, and each resolves to a row of the spec data and its doc section."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from conformance.contract import errors, openapi, paths


@dataclass(frozen=True, slots=True)
class Requirement:
    """A documented rule: an error row, an endpoint/step, or a cross-cutting rule of `specs/rules.yaml`."""

    id: str
    kind: str  # "error-row" | "endpoint" | "rule"
    section: str
    source: str
    rule: str


@cache
def _rules() -> dict[str, Requirement]:
    document = yaml.safe_load((paths.SPECS_DIR / "rules.yaml").read_text(encoding="utf-8"))
    return {
        item["id"]: Requirement(item["id"], "rule", item["section"], ", ".join(item["source"]), item["rule"])
        for item in document["rules"]
    }


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
        )
    raise KeyError(f"requirement {requirement_id!r} resolves to no endpoint, error row or rule")


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
