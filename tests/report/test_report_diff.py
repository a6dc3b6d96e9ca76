"""`diff_summaries` and `report_diff`: what newly fails, newly passes, changed, appeared and disappeared."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from conformance.report.diff import diff_summaries, report_diff


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _regressed(data: dict[str, Any]) -> dict[str, Any]:
    """A copy in which a passing test and a passing requirement fail, one test vanished and one appeared."""
    new = copy.deepcopy(data)
    requirement = next(r for r in new["requirements"] if r["verdict"] == "pass")
    requirement["verdict"] = "fail"
    passing = next(t for t in new["tests"] if t["verdict"] == "pass")
    passing["verdict"] = "fail"
    gone = next(t for t in new["tests"] if t["verdict"] == "skipped")
    new["tests"].remove(gone)
    new["tests"].append({**passing, "nodeid": "tests/new.py::test_appeared", "verdict": "pass"})
    return new


def test_a_new_failure_is_reported_and_fails_the_command(suite_run, tmp_path):
    old = suite_run.reports / "summary.json"
    new = _write(tmp_path / "new.json", _regressed(suite_run.summary))
    found = diff_summaries(old, new)
    assert len(found.tests.newly_failing) == 1 and len(found.requirements.newly_failing) == 1
    assert [c.key for c in found.tests.appeared] == ["tests/new.py::test_appeared"]
    assert [c.new for c in found.tests.disappeared] == [None]
    result = CliRunner().invoke(report_diff, [str(suite_run.reports), str(new)])
    assert result.exit_code == 1, result.output
    assert "tests newly failing (1):" in result.output and "requirements newly failing (1):" in result.output
    assert "tests appeared (1):" in result.output and "tests disappeared (1):" in result.output


def test_recovery_is_newly_passing_and_exits_zero(suite_run, tmp_path):
    regressed = _write(tmp_path / "old.json", _regressed(suite_run.summary))
    result = CliRunner().invoke(report_diff, [str(regressed), str(suite_run.reports / "summary.json")])
    assert result.exit_code == 0, result.output
    assert "tests newly passing (1):" in result.output and "0 new failure(s)" in result.output


def test_identical_runs_have_no_changes(suite_run):
    result = CliRunner().invoke(report_diff, [str(suite_run.reports), str(suite_run.reports)])
    assert result.exit_code == 0 and "no verdict changed" in result.output


def test_a_file_that_is_no_summary_is_a_usage_error(suite_run, tmp_path):
    bad = _write(tmp_path / "bad.json", {"hello": 1})
    result = CliRunner().invoke(report_diff, [str(bad), str(suite_run.reports)])
    assert result.exit_code == 2 and "not a conformance summary" in result.output
