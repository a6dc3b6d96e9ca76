"""The import rules of docs/ARCHITECTURE.md ("What may import what"): every `import` in `conformance/`, at module
level or inside a function, keeps to them."""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"

#: A folder or module → the only parts of the package it may import (besides itself).
MAY_IMPORT = {
    "conformance.contract": (),
    "conformance.mock": ("conformance.contract", "conformance.redaction", "conformance.tomlconfig"),
    "conformance.profile": (
        "conformance.contract",
        "conformance.mock.config",  # profile/mocked.py: the embedded mock's profile, from its tenant file
        "conformance.redaction",
        "conformance.tomlconfig",
        "conformance.verdicts",
    ),
    "conformance.checks": ("conformance.client", "conformance.contract", "conformance.verdicts"),
    "conformance.walker": (
        "conformance.checks",
        "conformance.client",
        "conformance.contract",
        "conformance.otp",
        "conformance.profile",
        "conformance.steps",
        "conformance.target",
        "conformance.verdicts",
    ),
}
#: A folder or module → the only parts of the package that may import it (besides itself).
IMPORTED_ONLY_BY = {
    "conformance.suites": (),  # pytest collects the suites; nothing imports them
    "conformance.chaining": ("conformance.suites",),
    "conformance.triggers": ("conformance.suites",),
    "conformance.cli": (),
    "conformance.killtable": (),
    "conformance.target_check": ("conformance.cli",),
}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imported(tree: ast.AST) -> set[str]:
    """The package's modules a module imports (`from a import b` is `a.b` when b is a module, else `a`)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(
                f"{node.module}.{alias.name}" if _is_module(f"{node.module}.{alias.name}") else node.module
                for alias in node.names
            )
    return {name for name in found if name == "conformance" or name.startswith("conformance.")}


@cache
def imports() -> dict[str, set[str]]:
    """Every module of the package → the package's modules it imports."""
    return {_name(path): _imported(ast.parse(path.read_text(encoding="utf-8"))) for path in PACKAGE.rglob("*.py")}


def _within(name: str, part: str) -> bool:
    return name == part or name.startswith(f"{part}.")


def test_the_rules_name_parts_of_the_package():
    named = {*MAY_IMPORT, *IMPORTED_ONLY_BY, *(p for parts in MAY_IMPORT.values() for p in parts)}
    assert all(_is_module(part) for part in named), [part for part in named if not _is_module(part)]


def _imports_where(importer: Callable[[str], bool], imported: Callable[[str], bool]) -> list[str]:
    """`a imports b` for every import of an `importer` module that is an `imported` module."""
    return sorted(f"{module} imports {name}" for module, names in imports().items() if importer(module)
                  for name in names if imported(name))


def _in_any(parts: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda name: any(_within(name, part) for part in parts)


@pytest.mark.parametrize("part", list(MAY_IMPORT))
def test_a_part_imports_only_what_it_may(part: str):
    allowed = _in_any((part, *MAY_IMPORT[part]))
    root = "conformance"  # the package itself: its version
    assert not _imports_where(lambda module: _within(module, part), lambda name: name != root and not allowed(name))


@pytest.mark.parametrize("part", list(IMPORTED_ONLY_BY))
def test_a_part_is_imported_only_by_what_may(part: str):
    allowed = _in_any((part, *IMPORTED_ONLY_BY[part]))
    assert not _imports_where(lambda module: not allowed(module), lambda name: _within(name, part))
