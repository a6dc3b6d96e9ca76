"""The conditions under which a documented error row applies (`specs/conditions.yaml`): a closed vocabulary.

Rows of `specs/errors.yaml` list the conditions they apply in; the mock serves, and the suites expect, the row of a
step's table that lists the condition met (`ErrorTable.row_for`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from conformance.contract import paths

#: a snake_case identifier: a condition name, an `error` or `suberror` value of the tables
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = {"means"}
_OPTIONAL_KEYS = {"fallback"}


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition: what it means and, where a table lists no row for it, the condition the mock answers instead."""

    name: str
    means: str
    fallback: str | None = None


def _fail(where: str, key: str, message: str) -> ValueError:
    return ValueError(f"conditions.yaml: {where}: {key}: {message}")


def parse(document: Any) -> dict[str, Condition]:
    """Validate a loaded `conditions.yaml`; ValueError names the condition and key at fault."""
    if not isinstance(document, dict) or not isinstance(document.get("conditions"), dict):
        raise _fail("header", "conditions", "expected a mapping of condition names")
    found: dict[str, Condition] = {}
    for name, data in document["conditions"].items():
        where = f"condition {name}"
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            raise _fail(where, "-", "expected a lower_case name")
        if not isinstance(data, dict):
            raise _fail(where, "-", "expected a mapping")
        for key in sorted(data.keys() - _KEYS - _OPTIONAL_KEYS):
            raise _fail(where, key, "unknown key")
        means = data.get("means")
        if not isinstance(means, str) or not means.strip():
            raise _fail(where, "means", "expected a non-empty string")
        found[name] = Condition(name, means, data.get("fallback"))
    for condition in found.values():
        seen = {condition.name}
        step = condition
        while step.fallback is not None:
            if step.fallback not in found:
                raise _fail(f"condition {condition.name}", "fallback", f"unknown condition {step.fallback!r}")
            if step.fallback in seen:
                raise _fail(f"condition {condition.name}", "fallback", "falls back in a circle")
            seen.add(step.fallback)
            step = found[step.fallback]
    return found


def load(path: Path) -> dict[str, Condition]:
    """Read and validate a conditions file (tests use edited copies)."""
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def conditions() -> dict[str, Condition]:
    """The project's conditions, loaded once from `specs/conditions.yaml`."""
    return load(paths.SPECS_DIR / "conditions.yaml")


def get(name: str) -> Condition:
    """The condition with this name; KeyError naming it when there is none."""
    try:
        return conditions()[name]
    except KeyError:
        raise KeyError(f"unknown condition {name!r} (specs/conditions.yaml)") from None
