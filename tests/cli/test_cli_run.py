"""`conformance run`: the suites in-process against the embedded mock, from any working directory."""

from __future__ import annotations

import json
import logging
import subprocess
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


def test_a_small_run_against_the_embedded_mock_writes_reports(tmp_path: Path):
    done = _run(tmp_path, "-k", SELECTION)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert [t["verdict"] for t in summary["tests"] if SELECTION in t["nodeid"]] == ["pass"]
    assert f"reports in {tmp_path / 'reports'}" in done.stderr


def test_a_real_target_shows_live_progress_and_the_embedded_mock_does_not():
    assert set(LIVE_LOG) <= set(build_pytest_args("profile.toml", Path("r"), False, ()))
    embedded = build_pytest_args("mock", Path("r"), True, ("-k", "x"))
    assert "log_cli=true" not in embedded
    assert embedded[-3:] == ["--slow", "-k", "x"]


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
