"""An interrupted run keeps what it has: summary, traceability and HTML, marked incomplete with a banner; a killed one
leaves its own reports so far, marked alike, never the previous run's."""

from __future__ import annotations

import signal
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BANNER = "INCOMPLETE RUN"
SIGNUP_TEST = "conformance/suites/test_signup.py::test_signing_up_twice_is_refused"

pytestmark = pytest.mark.long


def _assert_incomplete(run, finished: int) -> dict:
    summary = run.summary["run"]
    assert summary["complete"] is False and summary["finished"], summary
    assert summary["totals"]["tests"] == finished < summary["totals"]["collected"]
    assert BANNER in (run.reports / "conformance.html").read_text(encoding="utf-8")
    assert BANNER in (run.reports / "traceability.html").read_text(encoding="utf-8")
    return summary


def test_stopping_at_the_first_failure(suite_runner, tmp_path):
    run = suite_runner(tmp_path, "-x", str(HERE / "deliberately_false.py"), "conformance/suites/test_signup.py")
    summary = _assert_incomplete(run, finished=1)
    assert summary["stopped"].startswith("stopping after 1 failures")
    assert [t["verdict"] for t in run.summary["tests"]] == ["fail"]


def test_keyboard_interrupt(suite_runner, tmp_path):
    test_file = str(HERE / "deliberately_false.py") + "::test_deliberately_false"
    run = suite_runner(tmp_path, test_file, str(HERE / "stop_run.py"), "conformance/suites/test_signup.py")
    assert run.returncode == 2, run.output
    summary = _assert_incomplete(run, finished=1)
    assert summary["stopped"] == "interrupted: KeyboardInterrupt"
    junit = (run.reports / "junit.xml").read_text(encoding="utf-8")
    assert "test_deliberately_false" in junit


def test_a_process_that_dies_leaves_its_summary_so_far(suite_runner, tmp_path):
    """No session finish at all: summary.json, written on the way, holds what finished and says incomplete."""
    run = suite_runner(tmp_path, str(HERE / "crash_run.py"))
    assert run.returncode == 70, run.output
    summary = run.summary
    assert summary["run"]["complete"] is False and summary["run"]["finished"] is None
    verdicts = {t["nodeid"].rsplit("::", 1)[-1]: t["verdict"] for t in summary["tests"]}
    assert verdicts == {"test_fixture_crash": "error", "test_takes_a_while": "pass"}
    assert "RuntimeError: the fixture crashed" in run.test("test_fixture_crash")["reason"]


def test_a_killed_run_never_leaves_the_previous_runs_reports(suite_runner, tmp_path):
    """After `kill -9` every report file is the killed run's own, marked INCOMPLETE RUN where a person (HTML) or a CI
    job (junit.xml) looks, never the previous run's green reports beside a new partial summary."""
    assert suite_runner(tmp_path, str(HERE / "deliberately_false.py"), SIGNUP_TEST).summary["run"]["complete"] is True
    assert any((tmp_path / "reports" / "transcripts").iterdir())
    killed = suite_runner(tmp_path, str(HERE / "killed_run.py"))
    assert killed.returncode == -signal.SIGKILL, killed.output
    run = killed.summary["run"]
    assert run["complete"] is False
    assert [t["nodeid"].rsplit("::", 1)[-1] for t in killed.summary["tests"]] == ["test_takes_a_while"]
    files = {path.name: path.read_text(encoding="utf-8") for path in killed.reports.glob("*.*")}
    assert sorted(files) == ["conformance.html", "junit.xml", "summary.json", "traceability.html"]
    for name in ("conformance.html", "traceability.html", "junit.xml"):
        assert BANNER in files[name], name
        assert "test_deliberately_false" not in files[name] and "test_signing_up_twice" not in files[name], name
    cases = ET.fromstring(files["junit.xml"]).iter("testcase")
    assert [(case.get("name"), case.find("error") is not None) for case in cases] == [(BANNER, True)]
    assert not (killed.reports / "transcripts").exists()


def test_a_run_that_stopped_early_says_so_in_its_junit_file(suite_runner, tmp_path):
    """pytest writes junit.xml for an interrupted run; the report adds an errored INCOMPLETE RUN test case to it."""
    run = suite_runner(tmp_path, "-x", str(HERE / "deliberately_false.py"), "conformance/suites/test_signup.py")
    suite = ET.parse(run.reports / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert "test_deliberately_false" in cases and cases[BANNER].find("error") is not None
    assert "stopping after 1 failures" in cases[BANNER].find("error").get("message")
    assert int(suite.get("errors")) >= 1
