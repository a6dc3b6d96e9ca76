"""Documented inconsistencies (`specs/errata.yaml`) and the ruling the suite and the mock apply to each.

`ERR-01` … `ERR-61` are api-reference.md §10 items 1–61; later findings continue the sequence. `verdict` is what a
target gets when it follows the reading the ruling rejected: `fail`; `warning`, for exactly the answer the erratum's
`softens` names in the one check it names (the row's other checks stay failures); or `unchecked` when no check of the
suite depends on the reading (doc text, examples, requests the suite never sends).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from conformance.contract import conditions, paths

VERDICTS = frozenset({"fail", "warning", "unchecked"})
#: The checks an erratum may soften (conformance.checks names each one), and the type of the answers each judges.
#: `schema`: a constraint the JSON Schemas mark `x-verdict: warning` and `x-errata: [<this erratum>]`.
CHECKS: dict[str, type | None] = {
    "status": int,
    "error": str,
    "suberror": str,
    "aadsts": int,
    "envelope.trace_id": str,
    "schema": None,
}
#: The answer classes `envelope.trace_id` knows (an erratum tolerates one of them, not a value).
TRACE_ID_ANSWERS = frozenset({"non_uuid"})
#: Checks that judge every error answer alike, so their softening names no rows.
ENVELOPE_CHECKS = frozenset({"envelope.trace_id", "schema"})

_TOP_KEYS = {"version", "errata"}
_KEYS = {"id", "title", "sources", "statements", "ruling", "verdict", "examples", "rows"}
_OPTIONAL_KEYS = {"excluded", "softens"}
_EXCLUDED_KEYS = {"id", "reason"}
_SOFTENS_KEYS = {"check"}
_OPTIONAL_SOFTENS_KEYS = {"tolerate", "rows", "condition", "codes"}
ERR_ID = re.compile(r"^ERR-(\d{2,})$")
_EXAMPLE = re.compile(r"^[a-z0-9_]+\.json$")


@dataclass(frozen=True, slots=True)
class Excluded:
    """A documented-looking row deliberately not in `errors.yaml` (e.g. commented-out doc text), with the reason."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Softening:
    """The one check an erratum softens and the answers it tolerates there (a WARNING instead of a FAILURE)."""

    check: str
    tolerate: tuple[str | int, ...] = ()
    rows: tuple[str, ...] = ()  # the rows it applies to; empty for envelope checks (every error answer)
    condition: str | None = None  # only when the test provoked this condition
    codes: tuple[int, ...] = ()  # the tolerated answer must also carry one of these error_codes

    def applies(self, check: str, row_id: str | None, condition: str | None) -> bool:
        """Whether this softening covers `check` of `row_id` (None: an answer judged without a row) for `condition`."""
        if check != self.check or (self.condition is not None and condition != self.condition):
            return False
        return not self.rows or row_id in self.rows

    def tolerates(self, answer: object, codes: object = None) -> bool:
        """Whether `answer` (a status, error, suberror, one of the error_codes, a trace-id class) is tolerated;
        with `codes` required, the answer's error_codes must hold one of them too."""
        if self.codes and not (isinstance(codes, list) and set(self.codes) & set(codes)):
            return False
        return answer in self.tolerate


@dataclass(frozen=True, slots=True)
class Erratum:
    """One documented inconsistency and its ruling."""

    id: str
    title: str
    sources: tuple[str, ...]
    statements: tuple[str, ...]
    ruling: str
    verdict: str
    examples: tuple[str, ...]
    rows: tuple[str, ...]
    excluded: tuple[Excluded, ...] = ()
    softens: Softening | None = None

    @property
    def number(self) -> int:
        return int(self.id.removeprefix("ERR-"))


def _fail(where: str, key: str, message: str) -> ValueError:
    return ValueError(f"errata.yaml: {where}: {key}: {message}")


def _strings(where: str, key: str, value: Any, *, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, key, f"expected a list of non-empty strings, got {value!r}")
    if not value and not allow_empty:
        raise _fail(where, key, "must not be empty")
    if len(set(value)) != len(value):
        raise _fail(where, key, "duplicate entry")
    return tuple(value)


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, key, f"expected a non-empty string, got {value!r}")
    return value


def _parse(index: int, data: Any) -> Erratum:
    where = f"erratum {data.get('id', f'#{index}') if isinstance(data, dict) else f'#{index}'}"
    if not isinstance(data, dict):
        raise _fail(where, "-", "expected a mapping")
    for key in data:
        if key not in _KEYS | _OPTIONAL_KEYS:
            raise _fail(where, str(key), "unknown key")
    for key in sorted(_KEYS - data.keys()):
        raise _fail(where, key, "missing key")
    erratum_id = _text(where, "id", data["id"])
    if not ERR_ID.match(erratum_id):
        raise _fail(where, "id", f"expected ERR-nn, got {erratum_id!r}")
    verdict = _text(where, "verdict", data["verdict"])
    if verdict not in VERDICTS:
        raise _fail(where, "verdict", f"{verdict!r} not one of {sorted(VERDICTS)}")
    examples = _strings(where, "examples", data["examples"], allow_empty=True)
    for name in examples:
        if not _EXAMPLE.match(name):
            raise _fail(where, "examples", f"not an example file name: {name!r}")
    softens = _softens(where, data.get("softens"), data["rows"])
    if (verdict == "warning") != (softens is not None):
        raise _fail(where, "softens", "a warning erratum names the check it softens, and only a warning erratum does")
    excluded = []
    for item in data.get("excluded", []):
        if not isinstance(item, dict) or set(item) != _EXCLUDED_KEYS:
            raise _fail(where, "excluded", f"each entry needs exactly {sorted(_EXCLUDED_KEYS)}, got {item!r}")
        excluded.append(Excluded(_text(where, "excluded", item["id"]), _text(where, "excluded", item["reason"])))
    return Erratum(
        id=erratum_id,
        title=_text(where, "title", data["title"]),
        sources=_strings(where, "sources", data["sources"], allow_empty=False),
        statements=_strings(where, "statements", data["statements"], allow_empty=False),
        ruling=_text(where, "ruling", data["ruling"]),
        verdict=verdict,
        examples=examples,
        rows=_strings(where, "rows", data["rows"], allow_empty=True),
        excluded=tuple(excluded),
        softens=softens,
    )


def _softens(where: str, data: Any, erratum_rows: Any) -> Softening | None:
    if data is None:
        return None
    key = "softens"
    if not isinstance(data, dict):
        raise _fail(where, key, f"expected a mapping, got {data!r}")
    for name in sorted(data.keys() - _SOFTENS_KEYS - _OPTIONAL_SOFTENS_KEYS):
        raise _fail(where, key, f"{name}: unknown key")
    check = data.get("check")
    if check not in CHECKS:
        raise _fail(where, key, f"check: {check!r} not one of {', '.join(CHECKS)}")
    kind = CHECKS[check]
    tolerate = data.get("tolerate", [])
    if kind is None:
        if tolerate or data.get("rows"):
            raise _fail(where, key, "a schema softening is located by x-errata in the schemas: no tolerate, no rows")
    elif not isinstance(tolerate, list) or not tolerate or not all(_typed(value, kind) for value in tolerate):
        raise _fail(where, key, f"tolerate: expected a non-empty list of {kind.__name__} answers, got {tolerate!r}")
    if check == "envelope.trace_id" and not set(tolerate) <= TRACE_ID_ANSWERS:
        raise _fail(where, key, f"tolerate: envelope.trace_id answers are {sorted(TRACE_ID_ANSWERS)}")
    rows = _strings(where, f"{key}: rows", data.get("rows", []), allow_empty=True)
    if (check in ENVELOPE_CHECKS) == bool(rows):
        raise _fail(where, key, "rows: name the rows for a row check, none for an envelope or schema check")
    if not set(rows) <= set(erratum_rows if isinstance(erratum_rows, list) else ()):
        raise _fail(where, key, "rows: each must also be in the erratum's rows")
    codes = data.get("codes", [])
    if not isinstance(codes, list) or not all(_typed(code, int) for code in codes):
        raise _fail(where, key, f"codes: expected a list of AADSTS codes, got {codes!r}")
    condition = data.get("condition")
    if condition is not None and condition not in conditions.conditions():
        raise _fail(where, key, f"condition: {condition!r} is not in specs/conditions.yaml")
    return Softening(check, tuple(tolerate), rows, condition, tuple(codes))


def _typed(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool) and (kind is not str or bool(value.strip()))


def parse(document: Any) -> tuple[Erratum, ...]:
    """Validate a loaded `errata.yaml` document; ValueError names the erratum and key at fault."""
    if not isinstance(document, dict):
        raise _fail("header", "-", "expected a mapping")
    for key in document:
        if key not in _TOP_KEYS:
            raise _fail("header", str(key), "unknown key")
    if not isinstance(document.get("errata"), list):
        raise _fail("header", "errata", "expected a list")
    items = tuple(_parse(index, data) for index, data in enumerate(document["errata"]))
    for previous, item in zip(items, items[1:], strict=False):
        if item.number <= previous.number:
            raise _fail(f"erratum {item.id}", "id", f"duplicate or out of order after {previous.id}")
    return items


def load(path: Path) -> tuple[Erratum, ...]:
    """Read and validate an errata file (tests use this with edited copies)."""
    with path.open(encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))


@cache
def errata() -> tuple[Erratum, ...]:
    """The project's errata, loaded once from `specs/errata.yaml`, in id order."""
    return load(paths.SPECS_DIR / "errata.yaml")


def get(erratum_id: str) -> Erratum:
    """The erratum with this id; KeyError naming the id when there is none."""
    for item in errata():
        if item.id == erratum_id:
            return item
    raise KeyError(f"unknown erratum id {erratum_id!r}")


def softening(check: str, row_id: str | None, condition: str | None) -> list[tuple[Erratum, Softening]]:
    """The errata that soften `check` of `row_id` for `condition` (None: every answer the check judges)."""
    return [
        (item, item.softens)
        for item in errata()
        if item.softens is not None and item.softens.applies(check, row_id, condition)
    ]


def tolerated(
    check: str, row_id: str | None, condition: str | None, answer: object, codes: object = None
) -> Erratum | None:
    """The erratum that tolerates `answer` in `check` of `row_id` for `condition`, if one does."""
    return next(
        (item for item, soft in softening(check, row_id, condition) if soft.tolerates(answer, codes)), None
    )


def example_errata() -> dict[str, tuple[str, ...]]:
    """Example file name → every erratum that rules it malformed, in id order (one per defect to repair)."""
    ruled: dict[str, list[str]] = {}
    for item in errata():
        for name in item.examples:
            ruled.setdefault(name, []).append(item.id)
    return {name: tuple(ids) for name, ids in ruled.items()}


def malformed_examples() -> dict[str, str]:
    """Example file name → the lowest-numbered erratum that rules it malformed (example validation skips these)."""
    return {name: ids[0] for name, ids in example_errata().items()}


def excluded_rows() -> dict[str, str]:
    """Row id deliberately left out of `errors.yaml` → the erratum that says why."""
    return {entry.id: item.id for item in errata() for entry in item.excluded}
