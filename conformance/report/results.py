"""Verdicts on two axes, and the per-test results the controller collects from every phase of every test.

The target axis: `pass`, `fail`, `warning` (passed with warnings), `expected_deviation` (a failure the profile's
baseline lists, or an xfail), `skipped` (with the profile's reason). The run axis: `error`, a problem of the harness
(target unreachable, OTP timeout, a fixture or test-code crash), never a verdict about the target.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance.verdicts import basis

#: Worst first: how verdicts aggregate over the phases of a test and over the tests of a requirement.
PRECEDENCE = ("fail", "error", "expected_deviation", "warning", "pass", "skipped", "not_covered")
LABELS = {
    "fail": "fail",
    "error": "error (run)",
    "expected_deviation": "expected deviation",
    "warning": "warning",
    "pass": "pass",
    "skipped": "skipped",
    "not_covered": "not covered",
}
#: The report attribute a worker fills for each phase (small, JSON-ready: it travels to the xdist controller).
RECORD = "conformance_result"


def worst(*verdicts: str | None) -> str | None:
    """The worst of the given verdicts by `PRECEDENCE`; None when none is given."""
    given = [v for v in verdicts if v]
    return min(given, key=PRECEDENCE.index) if given else None


def warned_rules(tests: Iterable[tuple[str, Iterable[str]]]) -> list[dict[str, Any]]:
    """Each requirement a run warned under, once (warnings are `[REQ] message` lines per test): its basis, how many
    tests and findings, the first message, the tests; most widespread first."""
    by_id: dict[str, dict[str, Any]] = {}
    for nodeid, texts in tests:
        for text in texts:
            requirement, _, message = text.removeprefix("[").partition("] ")
            entry = by_id.setdefault(
                requirement,
                {"requirement": requirement, "basis": basis(requirement), "tests": 0, "findings": 0,
                 "message": message, "nodeids": []},
            )
            entry["findings"] += 1
            if nodeid not in entry["nodeids"]:
                entry["nodeids"].append(nodeid)
                entry["tests"] += 1
    return sorted(by_id.values(), key=lambda entry: (-entry["tests"], entry["requirement"]))


def now() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class TestResult:
    """One test as the reports show it: outcome, verdict, requirements and where its transcript is."""

    __test__ = False  # not a pytest test class

    nodeid: str
    rule: str = ""
    outcome: str = ""  # passed | failed | skipped | error (pytest's axis)
    verdict: str = ""
    reason: str = ""
    duration: float = 0.0
    requirements: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    expected_deviations: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # accounts the test signed up on the target
    attempted: list[str] = field(default_factory=list)  # addresses it began a sign-up with
    per_requirement: dict[str, str] = field(default_factory=dict)
    transcript: str | None = None
    exchanges: int = 0
    finished: bool = False

    def add(self, report: pytest.TestReport) -> None:
        """Merge one phase (setup, call, teardown) into the result."""
        record: dict[str, Any] = getattr(report, RECORD, None) or {}
        self.duration = round(self.duration + report.duration, 4)
        self.rule = self.rule or record.get("rule", "")
        self.requirements = self.requirements or list(record.get("requirements", []))
        phase_verdict = record.get("verdict")
        if phase_verdict and worst(self.verdict, phase_verdict) == phase_verdict:
            self.reason = record.get("reason", "") or self.reason
        self.verdict = worst(self.verdict, phase_verdict) or ""
        for requirement_id, verdict in record.get("per_requirement", {}).items():
            self.per_requirement[requirement_id] = worst(self.per_requirement.get(requirement_id), verdict) or verdict
        if record.get("transcript"):
            self.transcript, self.exchanges = record["transcript"], record.get("exchanges", 0)
        for name, value in report.user_properties:
            if name == "checked":
                self.checked = sorted(set(self.checked) | set(value))
            elif name == "warning":
                self.warnings.append(str(value))
            elif name == "expected_deviation":
                self.expected_deviations.append(str(value))
            elif name in ("created", "attempted"):
                getattr(self, name).append(str(value))
        self.outcome = _merged_outcome(self.outcome, report)
        if report.when == "teardown":
            self.finished = True
            self.verdict = self.verdict or "pass"

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready view written to summary.json."""
        return {name: copy(getattr(self, name)) for name in self.__dataclass_fields__ if name != "finished"}


def _merged_outcome(current: str, report: pytest.TestReport) -> str:
    """pytest's axis: a failed setup/teardown is an `error`, a failed call `failed`; the worse one wins."""
    if report.failed:
        new = "failed" if report.when == "call" else "error"
    elif report.skipped:
        new = "skipped"
    else:
        new = "passed" if report.when == "call" else ""
    order = ("failed", "error", "skipped", "passed", "")
    return min(current, new, key=order.index)


@dataclass
class Run:
    """What the controller saw of one session: metadata, collected test ids and results, in arrival order."""

    target: str
    profile: str
    started: str = field(default_factory=now)
    finished: str | None = None
    duration_s: float = 0.0
    exit_status: int | None = None
    stopped: str = ""  # why the run stopped early (interrupt, -x, crash); '' when it ran to its end
    collected: set[str] = field(default_factory=set)
    results: dict[str, TestResult] = field(default_factory=dict)

    def add(self, report: pytest.TestReport) -> TestResult:
        """Merge one phase report of a test."""
        result = self.results.setdefault(report.nodeid, TestResult(report.nodeid))
        result.add(report)
        return result

    @property
    def complete(self) -> bool:
        """True when the session ended normally and every collected test finished."""
        if self.finished is None or self.stopped:
            return False
        done = {nodeid for nodeid, result in self.results.items() if result.finished}
        return self.collected <= done

    def totals(self) -> dict[str, int]:
        """How many finished tests got each verdict, plus `tests` (finished) and `collected`."""
        counts = dict.fromkeys(PRECEDENCE[:-1], 0)
        finished = [r for r in self.results.values() if r.finished]
        for result in finished:
            counts[result.verdict] = counts.get(result.verdict, 0) + 1
        return {"tests": len(finished), "collected": len(self.collected), **counts}
