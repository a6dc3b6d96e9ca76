"""The error rows and the table's queries: by id, table, endpoint, condition and (`error`, `suberror`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.contract import conditions


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
    """An error table: the endpoint it belongs to and, for E3's steps (`signupContinue`), its fixed `grant_type`."""

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
