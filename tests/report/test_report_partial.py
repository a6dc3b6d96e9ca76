"""An interrupted run keeps what it has: summary, traceability and HTML, marked incomplete with a banner."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
BANNER = "INCOMPLETE RUN"


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
