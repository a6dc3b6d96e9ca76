"""Worker side: the small record each test phase carries to the controller (rule, verdict, requirement verdicts)."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

from conformance.report.results import worst
from conformance.verdicts import Severity, Verdict

REASON_LIMIT = 500
_SENTENCE = re.compile(r"(.+?[.!?])(?=\s+[A-Z(]|$)")


def rule_sentence(item: pytest.Item) -> str:
    """The rule a test checks: the first sentence of its function's docstring ('' when it has none)."""
    obj = getattr(item, "obj", None)
    text = " ".join((inspect.getdoc(obj) or "").split()) if callable(obj) else ""
    match = _SENTENCE.match(text)
    return match[1] if match else text


def marked_requirements(item: pytest.Item) -> list[str]:
    """The requirement ids of the test's `requirement` markers, in order, without repeats."""
    return list(dict.fromkeys(rid for marker in item.iter_markers("requirement") for rid in marker.args))


def phase_verdict(report: pytest.TestReport, found: Verdict | None) -> str | None:
    """The verdict of one phase; None for a setup or teardown that passed (they say nothing about the target)."""
    if report.skipped:
        return "expected_deviation" if hasattr(report, "wasxfail") else "skipped"
    if report.failed:
        # the plugin marks `verdict: error` what failed for the run's reasons, so pytest's tallies say the same
        return "error" if report.when != "call" or ("verdict", "error") in report.user_properties else "fail"
    if report.when != "call":
        return None
    if found is not None and found.expected:
        return "expected_deviation"
    if found is not None and found.warnings:
        return "warning"
    return "pass"


def requirement_verdicts(verdict: str | None, marked: list[str], found: Verdict | None) -> dict[str, str]:
    """Each requirement this phase says something about, with its verdict for this test."""
    if verdict is None:
        return {}
    if verdict == "skipped":
        return dict.fromkeys(marked, "skipped")
    result: dict[str, str] = {}

    def put(requirement_id: str, value: str) -> None:
        result[requirement_id] = worst(result.get(requirement_id), value) or value

    attributed = False
    if found is not None:
        for requirement_id in found.checked:
            put(requirement_id, "pass")
        for finding in found.findings:
            if finding.severity is Severity.WARNING:
                put(finding.requirement, "warning")
            elif found.is_expected(finding):
                put(finding.requirement, "expected_deviation")
            else:
                put(finding.requirement, "fail")
                attributed = True
    for requirement_id in marked:
        if verdict in ("error", "expected_deviation") or (verdict == "fail" and not attributed):
            put(requirement_id, verdict)
        else:
            put(requirement_id, "pass")
    return result


def failure_reason(report: pytest.TestReport) -> str:
    """One line or so saying why: the skip reason, the xfail reason or the failure's message."""
    text = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        text = str(report.longrepr[2]).removeprefix("Skipped: ")
    elif hasattr(report, "wasxfail"):
        text = str(report.wasxfail)
    elif report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
    return text[:REASON_LIMIT]


def phase_record(
    item: pytest.Item, report: pytest.TestReport, found: Verdict | None
) -> dict[str, Any]:
    """The JSON-ready record of one phase (the report plugin adds the transcript path)."""
    marked = marked_requirements(item)
    verdict = phase_verdict(report, found)
    return {
        "rule": rule_sentence(item),
        "requirements": marked,
        "verdict": verdict,
        "reason": failure_reason(report) if verdict not in (None, "pass") else "",
        "per_requirement": requirement_verdicts(verdict, marked, found if report.when == "call" else None),
    }
