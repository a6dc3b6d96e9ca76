"""`summary.json`: the run's metadata, every test and every documented requirement with its aggregated verdict.

Requirements are the specification's: each endpoint and step (`E1` … `E15`, `E3a` …), each row of
`specs/errors.yaml` and each rule of `specs/rules.yaml`, plus any other id a test cited. A requirement's verdict is
the worst over the tests that said something about it (`results.PRECEDENCE`), `not_covered` when none did.
"""

from __future__ import annotations

import json
import platform
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__, skips
from conformance.contract import errors, openapi, requirements, spec_version
from conformance.contract.requirements import Requirement
from conformance.report.incomplete import write_atomically
from conformance.report.results import Run, TestResult, warned_rules, worst

FORMAT = 1
FILENAME = "summary.json"


@cache
def universe() -> tuple[Requirement, ...]:
    """Every documented requirement: endpoints and steps, then error rows, then cross-cutting rules."""
    tags = [op.doc_tag for op in openapi.operations()] + [row.table.removesuffix("-attrs") for row in errors.table()]
    endpoints = []
    for tag in dict.fromkeys(tags):
        try:
            found = requirements.resolve(tag)
        except KeyError:
            continue
        if found.kind == "endpoint":
            endpoints.append(found)
    rows = [requirements.resolve(row.id) for row in errors.table()]
    return (*endpoints, *rows, *requirements.rules())


def _describe(requirement_id: str) -> Requirement:
    try:
        return requirements.resolve(requirement_id)
    except KeyError:
        return Requirement(requirement_id, "unknown", "", "", "")


def aggregate(tests: list[TestResult]) -> list[dict[str, Any]]:
    """Each requirement with the tests that checked it and the verdict over them."""
    by_id: dict[str, list[dict[str, str]]] = {}
    for test in tests:
        for requirement_id, verdict in test.per_requirement.items():
            by_id.setdefault(requirement_id, []).append({"nodeid": test.nodeid, "verdict": verdict})
    known = {item.id for item in universe()}
    others = [_describe(rid) for rid in sorted(by_id) if rid not in known]
    return [
        {
            "id": item.id,
            "kind": item.kind,
            "section": item.section,
            "source": item.source,
            "rule": item.rule,
            "fields": [field.where for field in requirements.schema_fields() if field.rule == item.id],
            "verdict": worst(*(t["verdict"] for t in by_id.get(item.id, []))) or "not_covered",
            "tests": by_id.get(item.id, []),
        }
        for item in (*universe(), *others)
    ]


def build(run: Run) -> dict[str, Any]:
    """The whole summary document."""
    version, doc_date = spec_version()
    tests = list(run.results.values())
    return {
        "format": FORMAT,
        "run": {
            "target": run.target,
            "profile": run.profile,
            "conformance_version": __version__,
            "spec_version": version,
            "doc_date": doc_date,
            "started": run.started,
            "finished": run.finished,
            "duration_s": round(run.duration_s, 3),
            "complete": run.complete,
            "stopped": run.stopped,
            "exit_status": run.exit_status,
            "totals": run.totals(),
            "skips": skips.tally(test.reason for test in tests if test.verdict == "skipped"),
            "created_accounts": sorted(created := {address for test in tests for address in test.created}),
            "attempted_accounts": sorted({address for test in tests for address in test.attempted} - created),
            "python": platform.python_version(),
            "pytest": pytest.__version__,
        },
        "warnings": warned_rules((test.nodeid, test.warnings) for test in tests),
        "tests": [test.as_dict() for test in tests],
        "requirements": aggregate(tests),
    }


def write(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, so a reader (or a killed run) never leaves a half-written file."""
    write_atomically(path, json.dumps(data, indent=1, ensure_ascii=False))


def load(path: Path) -> dict[str, Any]:
    """Read a summary written by `write` (a reports directory stands for its summary.json)."""
    if path.is_dir():
        path = path / FILENAME
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a conformance summary (format {FORMAT})")
    return data
