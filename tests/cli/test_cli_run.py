"""`conformance run`: the suites in-process against the embedded mock, from any working directory."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import CONFORMANCE

from conformance.cli.run import LIVE_LOG, build_pytest_args
from conformance.otp.base import poll

SELECTION = "test_signing_up_twice_is_refused"


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CONFORMANCE, "run", *args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.long
def test_a_small_run_against_the_embedded_mock_writes_reports(tmp_path: Path):
    done = _run(tmp_path, "-k", SELECTION)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert [t["verdict"] for t in summary["tests"] if SELECTION in t["nodeid"]] == ["pass"]
    assert f"reports in {tmp_path / 'reports'}" in done.stderr


def test_a_real_target_shows_live_progress_and_the_embedded_mock_does_not():
    assert set(LIVE_LOG) <= set(build_pytest_args("profile.toml", Path("r"), False, ()))
    embedded = build_pytest_args("mock", Path("r"), True, ("-k", "x"), jobs=1)
    assert "log_cli=true" not in embedded
    assert embedded[-3:] == ["--slow", "-k", "x"]


@pytest.mark.parametrize(
    ("target", "jobs", "extra", "workers"),
    [
        ("mock", None, (), "4"),  # the machine's cores: each worker runs its own mock
        ("mock-http", None, (), "4"),
        ("profile.toml", None, (), None),  # a real target stays serial: its pacing holds per process
        ("profile.toml", 3, (), "3"),
        ("mock", 1, (), None),
        ("mock", None, ("-n", "2"), "2"),  # workers chosen in the pass-through arguments win
        ("mock", None, ("--numprocesses=2",), None),
        ("mock", None, ("-n2",), None),
        ("mock", None, ("--log-file=run.log",), None),  # one process writes the log file and the live log
        ("mock", None, ("-o", "log_cli=true"), None),
        ("mock", 2, ("--log-file=run.log",), "2"),  # unless asked
    ],
)
def test_jobs_default_to_the_cores_for_the_embedded_mock_only(
    monkeypatch: pytest.MonkeyPatch, target: str, jobs: int | None, extra: tuple[str, ...], workers: str | None
):
    monkeypatch.setattr(sys.modules["conformance.cli.run"], "available_cores", lambda: 4)
    args = build_pytest_args(target, Path("r"), False, extra, jobs)
    chosen = [args[i + 1] for i, arg in enumerate(args) if arg == "-n"]
    assert chosen == ([workers] if workers else [])
    assert ("worksteal" in args) is (workers is not None and "-n" not in "".join(extra))  # unless the arguments choose


def _verdicts(reports: Path) -> tuple[dict[str, tuple[str, dict[str, str]]], dict[str, str]]:
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    tests = {t["nodeid"]: (t["verdict"], t["per_requirement"]) for t in summary["tests"]}
    return tests, {r["id"]: r["verdict"] for r in summary["requirements"]}


@pytest.mark.long
def test_two_jobs_give_the_verdicts_of_a_serial_run(tmp_path: Path):
    """A selection with fuzz and suite tests, passing and failing (a mock deviation), run serially and with 2 jobs:
    the same tests, the same verdict per test and per requirement."""
    selection = "(test_stateless and (signinInitiate or ssprStart)) or user_not_found or test_password_reset_accepts"
    args = ("--mock-deviation", "undocumented_error_value", "--fuzz-examples", "5", "-k", selection)
    serial = _run(tmp_path, "--jobs", "1", "--reports", "serial", *args)
    parallel = _run(tmp_path, "--jobs", "2", "--reports", "parallel", *args)
    assert serial.returncode == parallel.returncode == 1, serial.stdout[-2000:] + parallel.stdout[-2000:]
    assert "2 workers" in parallel.stdout and "workers" not in serial.stdout
    tests, requirements = _verdicts(tmp_path / "serial")
    assert {verdict for verdict, _ in tests.values()} == {"pass", "fail"} and len(tests) >= 6
    assert _verdicts(tmp_path / "parallel") == (tests, requirements)


def test_waiting_for_an_otp_says_which(caplog: pytest.LogCaptureFixture):
    answers = iter([None, "12345678"])
    with caplog.at_level(logging.INFO, logger="conformance.otp"):
        code = poll(lambda: next(answers), label="outbox http://x", address="a@example.com", timeout=5, interval=0.01)
    assert code == "12345678"
    assert caplog.messages == ["waiting for the OTP sent to a@example.com (outbox http://x, up to 5 s)"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--bogus",), "unrecognized arguments: --bogus"),
        (("--fuzz-examples", "0"), "--fuzz-examples must be positive, got 0"),
    ],
)
def test_a_pytest_usage_error_is_one_line(tmp_path: Path, args: tuple[str, ...], reason: str):
    """A mistake in the pass-through pytest arguments is one line on stderr, with pytest's usage-error status."""
    done = _run(tmp_path, *args)
    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [f"Error: {reason} (see: conformance run --help)"]
