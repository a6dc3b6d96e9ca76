"""`specs/errors.yaml` read and validated into an `ErrorTable`; a ValueError names the row and key at fault."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from conformance.contract import conditions, paths
from conformance.contract.errata import ERR_ID
from conformance.contract.errors.rows import ErrorRow, ErrorTable, Source, TableInfo, Trigger

TRIGGER_KINDS = frozenset({"request", "state", "tenant", "fault", "cannot"})

_TOP_KEYS = {"version", "doc_date", "sources", "tables", "rows"}
_ROW_KEYS = {
    "id",
    "table",
    "endpoint",
    "grant_type",
    "status",
    "error",
    "suberror",
    "conditions",
    "description",
    "source",
    "generic",
    "trigger",
    "errata",
}
_OPTIONAL_ROW_KEYS = {"inherited_from", "ruled_by"}
_SOURCE_KEYS = {"tag", "file", "section"}
_TRIGGER_KEYS = {"condition", "kind", "how"}
_TABLE_KEYS = {"endpoint", "grant_type", "source"}


def _fail(where: str, key: str, message: str) -> ValueError:
    return ValueError(f"errors.yaml: {where}: {key}: {message}")


def _check_keys(where: str, data: Any, required: set[str], optional: set[str] = frozenset()) -> None:
    if not isinstance(data, dict):
        raise _fail(where, "-", f"expected a mapping, got {type(data).__name__}")
    for key in data:
        if key not in required and key not in optional:
            raise _fail(where, str(key), "unknown key")
    for key in sorted(required):
        if key not in data:
            raise _fail(where, key, "missing key")


def _str(where: str, key: str, value: Any, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, key, f"expected a non-empty string, got {value!r}")
    return value


def _parse_table(tag: str, data: Any, sources: dict[str, Any]) -> TableInfo:
    where = f"table {tag}"
    _check_keys(where, data, _TABLE_KEYS)
    if data["source"] not in sources:
        raise _fail(where, "source", f"unknown source tag {data['source']!r}")
    return TableInfo(
        tag=tag,
        endpoint=_str(where, "endpoint", data["endpoint"]),
        grant_type=_str(where, "grant_type", data["grant_type"], nullable=True),
        source=data["source"],
    )


def _parse_row(index: int, data: Any, tables: dict[str, TableInfo], sources: dict[str, Any]) -> ErrorRow:
    where = f"row {data.get('id', f'#{index}') if isinstance(data, dict) else f'#{index}'}"
    _check_keys(where, data, _ROW_KEYS, _OPTIONAL_ROW_KEYS)
    row_id = _str(where, "id", data["id"])
    table = _str(where, "table", data["table"])
    if table not in tables:
        raise _fail(where, "table", f"unknown table {table!r}")
    info = tables[table]
    error = _str(where, "error", data["error"])
    suberror = _str(where, "suberror", data["suberror"], nullable=True)
    for key, value in (("error", error), ("suberror", suberror)):
        if value is not None and not conditions.IDENTIFIER.match(value):
            raise _fail(where, key, f"not a lower-case token: {value!r}")
    expected_id = f"{table}.{error}" + (f".{suberror}" if suberror else "")
    if row_id != expected_id:
        raise _fail(where, "id", f"must be {expected_id!r} (table.error[.suberror])")
    endpoint = _str(where, "endpoint", data["endpoint"])
    if endpoint != info.endpoint:
        raise _fail(where, "endpoint", f"{endpoint!r} is not table {table}'s endpoint {info.endpoint!r}")
    grant_type = _str(where, "grant_type", data["grant_type"], nullable=True)
    if info.grant_type is not None and grant_type != info.grant_type:
        raise _fail(where, "grant_type", f"table {table} is the grant_type={info.grant_type} step, got {grant_type!r}")
    status = data["status"]
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise _fail(where, "status", f"expected an HTTP error status, got {status!r}")
    row_conditions = _conditions(where, data["conditions"])
    source_data = data["source"]
    _check_keys(f"{where} source", source_data, _SOURCE_KEYS)
    source = Source(*(_str(f"{where} source", k, source_data[k]) for k in ("tag", "file", "section")))
    if source.tag not in sources:
        raise _fail(where, "source", f"unknown source tag {source.tag!r}")
    generic = data["generic"]
    if not isinstance(generic, bool):
        raise _fail(where, "generic", f"expected a boolean, got {generic!r}")
    if generic != (table == "G-token"):
        raise _fail(where, "generic", "must be true exactly for G-token rows")
    trigger_data = data["trigger"]
    _check_keys(f"{where} trigger", trigger_data, _TRIGGER_KEYS, {"recipe"})
    trigger = Trigger(
        kind=_str(f"{where} trigger", "kind", trigger_data["kind"]),
        how=_str(f"{where} trigger", "how", trigger_data["how"]),
        recipe=_str(f"{where} trigger", "recipe", trigger_data.get("recipe"), nullable=True),
        condition=_str(f"{where} trigger", "condition", trigger_data["condition"]) or "",
    )
    if trigger.kind not in TRIGGER_KINDS:
        raise _fail(where, "trigger", f"kind {trigger.kind!r} not one of {sorted(TRIGGER_KINDS)}")
    if trigger.condition not in conditions.conditions():
        raise _fail(where, "trigger", f"condition {trigger.condition!r} is not in specs/conditions.yaml")
    if row_conditions and trigger.condition not in row_conditions:
        raise _fail(where, "trigger", f"condition {trigger.condition!r} is not one of the row's conditions")
    errata = data["errata"]
    if not isinstance(errata, list) or not all(isinstance(e, str) and ERR_ID.match(e) for e in errata):
        raise _fail(where, "errata", f"expected a list of ERR-nn ids, got {errata!r}")
    if len(set(errata)) != len(errata):
        raise _fail(where, "errata", "duplicate erratum id")
    inherited_from = _str(where, "inherited_from", data.get("inherited_from"), nullable=True)
    if inherited_from is not None and inherited_from not in tables:
        raise _fail(where, "inherited_from", f"unknown table {inherited_from!r}")
    ruled_by = _str(where, "ruled_by", data.get("ruled_by"), nullable=True)
    if ruled_by is not None and ruled_by not in errata:
        raise _fail(where, "ruled_by", f"{ruled_by!r} must also be listed in errata")
    return ErrorRow(
        id=row_id,
        table=table,
        endpoint=endpoint,
        grant_type=grant_type,
        status=status,
        error=error,
        suberror=suberror,
        conditions=row_conditions,
        description=_str(where, "description", data["description"]),
        source=source,
        generic=generic,
        trigger=trigger,
        errata=tuple(errata),
        inherited_from=inherited_from,
        ruled_by=ruled_by,
    )


def _conditions(where: str, value: Any) -> dict[str, tuple[int, ...]]:
    if not isinstance(value, dict):
        raise _fail(where, "conditions", f"expected a mapping of condition -> AADSTS codes, got {value!r}")
    known = conditions.conditions()
    for name, codes in value.items():
        if name not in known:
            raise _fail(where, "conditions", f"{name!r} is not in specs/conditions.yaml")
        if not isinstance(codes, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
            raise _fail(where, "conditions", f"{name}: expected a list of integer AADSTS codes, got {codes!r}")
    return {name: tuple(codes) for name, codes in value.items()}


def _check_conditions(rows: list[ErrorRow]) -> None:
    """A table lists each condition once; a parent row's trigger provokes a condition of one of its suberror rows."""
    listed: dict[tuple[str, str], str] = {}
    for row in rows:
        for name in row.conditions:
            if (row.table, name) in listed:
                raise _fail(f"row {row.id}", "conditions", f"{name!r} is also listed by {listed[row.table, name]}")
            listed[row.table, name] = row.id
        if not row.conditions:
            realizing = {
                name
                for other in rows
                if other.table == row.table and other.error == row.error and other.suberror
                for name in other.conditions
            }
            if row.trigger.condition not in realizing:
                raise _fail(
                    f"row {row.id}",
                    "trigger",
                    "a row without conditions is realized through its suberror rows: trigger a condition of theirs",
                )


def parse(document: Any) -> ErrorTable:
    """Validate a loaded `errors.yaml` document and build the table; ValueError names the row and key at fault."""
    _check_keys("header", document, _TOP_KEYS)
    sources = document["sources"]
    if not isinstance(sources, dict) or not sources:
        raise _fail("header", "sources", "expected a non-empty mapping of doc tags")
    if not isinstance(document["tables"], dict):
        raise _fail("header", "tables", "expected a mapping of table tags")
    tables = {tag: _parse_table(tag, data, sources) for tag, data in document["tables"].items()}
    if not isinstance(document["rows"], list):
        raise _fail("header", "rows", "expected a list")
    rows: list[ErrorRow] = []
    seen: set[str] = set()
    for index, data in enumerate(document["rows"]):
        row = _parse_row(index, data, tables, sources)
        if row.id in seen:
            raise _fail(f"row {row.id}", "id", "duplicate id")
        seen.add(row.id)
        rows.append(row)
    _check_conditions(rows)
    header = {key: document[key] for key in ("version", "doc_date", "sources")}
    return ErrorTable(tuple(rows), tables, header)


def load(path: Path) -> ErrorTable:
    """Read and validate an errors file (tests use this with edited copies)."""
    with path.open(encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))


@cache
def table() -> ErrorTable:
    """The project's error table, loaded once from `specs/errors.yaml`."""
    return load(paths.SPECS_DIR / "errors.yaml")
