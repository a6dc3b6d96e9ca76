"""The documented error tables (`specs/errors.yaml`) as typed, validated rows.

Each row says which `error` / `suberror` / AADSTS codes an endpoint step answers for one documented condition, where the
docs say so, and how a client can trigger it. Everything that builds or checks an error body looks rows up here by id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from conformance.contract import conditions, paths

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
_ERR_ID = re.compile(r"^ERR-\d{2,}$")
_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Source:
    """Where the docs state a row: doc tag (api-reference.md §0), file, and section heading path."""

    tag: str
    file: str
    section: str


@dataclass(frozen=True, slots=True)
class Trigger:
    """How a client can trigger the row from outside (`kind` request|state|tenant|fault|cannot), or why it cannot,
    and the condition (specs/conditions.yaml) that it provokes."""

    kind: str
    how: str
    recipe: str | None = None  # its recipe in conformance/triggers.py (RECIPES); None when not triggerable
    condition: str = ""


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """One documented (endpoint step, `error`, `suberror`) outcome."""

    id: str
    table: str
    endpoint: str
    grant_type: str | None
    status: int
    error: str
    suberror: str | None
    conditions: dict[str, tuple[int, ...]] = field(hash=False)  # when the row applies -> AADSTS codes printed then
    description: str
    source: Source
    generic: bool
    trigger: Trigger
    errata: tuple[str, ...] = ()
    inherited_from: str | None = None
    ruled_by: str | None = None

    @property
    def aadsts(self) -> tuple[int, ...]:
        """Every AADSTS code the docs print for the row, under any of its conditions."""
        return tuple(dict.fromkeys(code for codes in self.conditions.values() for code in codes))

    def codes_for(self, condition: str | None) -> tuple[int, ...]:
        """The AADSTS codes the docs print for the row when `condition` is met (none for another condition)."""
        return self.conditions.get(condition or "", ())

    @property
    def printed(self) -> bool:
        """True for rows printed in a current (S1/S2) native-auth error table, as counted in api-reference.md App. B."""
        return not (self.generic or self.inherited_from or self.ruled_by)


@dataclass(frozen=True, slots=True)
class TableInfo:
    """An error table: the endpoint it belongs to and, for the `/signup/v1.0/continue` steps, its fixed `grant_type`."""

    tag: str
    endpoint: str
    grant_type: str | None
    source: str


class ErrorTable:
    """All error rows, queryable by id, table, endpoint and (error, suberror)."""

    def __init__(self, rows: tuple[ErrorRow, ...], tables: dict[str, TableInfo], header: dict[str, Any]) -> None:
        self.rows = rows
        self.tables = tables
        self.header = header
        self._by_id = {row.id: row for row in rows}

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[ErrorRow]:
        return iter(self.rows)

    def __contains__(self, row_id: object) -> bool:
        return row_id in self._by_id

    def get(self, row_id: str) -> ErrorRow:
        """The row with this id; KeyError naming the id when there is none."""
        try:
            return self._by_id[row_id]
        except KeyError:
            raise KeyError(f"unknown error row id {row_id!r}") from None

    def for_table(self, tag: str) -> tuple[ErrorRow, ...]:
        """Rows of one table (`E1` … `E15`, `E3a`, `E3b`, `E3b-attrs`, `E3c`, `G-token`), in file order."""
        if tag not in self.tables:
            raise KeyError(f"unknown error table {tag!r}")
        return tuple(row for row in self.rows if row.table == tag)

    def for_endpoint(self, path: str, grant_type: str | None = None) -> tuple[ErrorRow, ...]:
        """Rows an endpoint may answer; with `grant_type`, only rows for that grant or for any grant (null)."""
        return tuple(
            row
            for row in self.rows
            if row.endpoint == path and (grant_type is None or row.grant_type in (None, grant_type))
        )

    def step_tables(self, step: str) -> tuple[str, ...]:
        """The tables of an endpoint step: its own (`E3b`), then its variants (`E3b-attrs`)."""
        return tuple(tag for tag in self.tables if tag == step) + tuple(
            tag for tag in self.tables if tag.startswith(f"{step}-")
        )

    def row_for(self, step: str, condition: str) -> ErrorRow | None:
        """The row the docs give for `condition` at `step` (its own table first, then its variant tables); None when
        no table of the step lists the condition."""
        conditions.get(condition)
        for tag in self.step_tables(step):
            for row in self.for_table(tag):
                if condition in row.conditions:
                    return row
        return None

    def expected(self, step: str, condition: str) -> ErrorRow:
        """`row_for`, for a condition the docs cover at `step`; LookupError naming both when they do not."""
        row = self.row_for(step, condition)
        if row is None:
            raise LookupError(f"specs/errors.yaml: no row of step {step} lists condition {condition!r}")
        return row

    def served(self, step: str, condition: str) -> tuple[ErrorRow, str]:
        """The row answering `condition` at `step`, following `fallback` (specs/conditions.yaml) where the step lists
        no row for it, with the condition that row was found under; LookupError when even the fallbacks find none."""
        name: str | None = condition
        while name is not None:
            row = self.row_for(step, name)
            if row is not None:
                return row, name
            name = conditions.get(name).fallback
        raise LookupError(f"specs/errors.yaml: step {step} lists no row for condition {condition!r} or its fallbacks")

    def find(self, endpoint: str, error: str, suberror: str | None = None, grant_type: str | None = None) -> ErrorRow:
        """The row documenting `error`/`suberror` on `endpoint` (and `grant_type`); KeyError when none does.

        When several rows match, native-auth rows win over generic ones, a row for the exact grant over a row for any
        grant, printed rows over inherited or errata-ruled ones, a step's own table over `E3b-attrs`; then file order.
        """
        matches = [
            row for row in self.for_endpoint(endpoint, grant_type) if row.error == error and row.suberror == suberror
        ]
        if not matches:
            raise KeyError(
                f"no error row for {endpoint} error={error!r} suberror={suberror!r} grant_type={grant_type!r}"
            )
        return min(
            matches,
            key=lambda row: (
                row.generic,
                grant_type is not None and row.grant_type != grant_type,
                not row.printed,
                row.table.endswith("-attrs"),
            ),
        )

    def errors_for(self, endpoint: str) -> frozenset[str]:
        """The native-auth `error` values documented for an endpoint (generic rows excluded)."""
        return frozenset(row.error for row in self.for_endpoint(endpoint) if not row.generic)


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
        if value is not None and not _TOKEN.match(value):
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
    if not isinstance(errata, list) or not all(isinstance(e, str) and _ERR_ID.match(e) for e in errata):
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
