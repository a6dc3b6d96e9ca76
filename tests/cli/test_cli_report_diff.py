"""`conformance report diff OLD NEW`: 0 when nothing newly fails, 1 on a new failure, 2 when an input is no summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.report import summary


def _summary(path: Path, verdict: str) -> Path:
    data = {
        "format": summary.FORMAT,
        "requirements": [{"id": "E1.user_already_exists", "verdict": verdict}],
        "tests": [{"nodeid": "conformance/suites/test_signup.py::test_signing_up_twice", "verdict": verdict}],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "status", "failures"), [("pass", "pass", 0, 0), ("fail", "pass", 0, 0), ("pass", "fail", 1, 2)]
)
def test_exit_status(tmp_path: Path, old: str, new: str, status: int, failures: int):
    before, after = _summary(tmp_path / "old.json", old), _summary(tmp_path / "new.json", new)
    result = CliRunner().invoke(main, ["report", "diff", str(before), str(after)], prog_name="conformance")
    assert result.exit_code == status, result.output
    assert result.output.strip().splitlines()[-1] == f"{failures} new failure(s)"


def test_not_a_summary(tmp_path: Path):
    other = tmp_path / "other.json"
    other.write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "diff", str(other), str(other)], prog_name="conformance")
    assert result.exit_code == 2
    assert result.output == f"Error: {other}: not a conformance summary (format {summary.FORMAT})\n"
