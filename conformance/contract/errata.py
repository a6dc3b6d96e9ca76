"""Documented inconsistencies (`specs/errata.yaml`) and the ruling the suite and the mock apply to each.

`ERR-01` … `ERR-61` are api-reference.md §10 items 1–61; later findings continue the sequence. `verdict` is what a
target gets when it follows the reading the ruling rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from conformance.contract import paths

VERDICTS = frozenset({"fail", "warning"})

_TOP_KEYS = {"version", "errata"}
_KEYS = {"id", "title", "sources", "statements", "ruling", "verdict", "examples", "rows"}
_OPTIONAL_KEYS = {"excluded"}
_EXCLUDED_KEYS = {"id", "reason"}
_ERR_ID = re.compile(r"^ERR-(\d{2,})$")
_EXAMPLE = re.compile(r"^[a-z0-9_]+\.json$")


@dataclass(frozen=True, slots=True)
class Excluded:
    """A documented-looking row deliberately not in `errors.yaml` (e.g. commented-out doc text), with the reason."""

    id: str
    reason: str


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
    if not _ERR_ID.match(erratum_id):
        raise _fail(where, "id", f"expected ERR-nn, got {erratum_id!r}")
    verdict = _text(where, "verdict", data["verdict"])
    if verdict not in VERDICTS:
        raise _fail(where, "verdict", f"{verdict!r} not one of {sorted(VERDICTS)}")
    examples = _strings(where, "examples", data["examples"], allow_empty=True)
    for name in examples:
        if not _EXAMPLE.match(name):
            raise _fail(where, "examples", f"not an example file name: {name!r}")
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
    )


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
