"""`--mock-deviation NAME` switches a deviation of the embedded mock on for a suite run, and only for the mock."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conformance.contract.paths import REPO_ROOT

SUITES = ["-m", "pytest", "--pyargs", "conformance.suites", "-p", "no:cacheprovider", "--conformance-reports="]


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *SUITES, *args]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.long
def test_a_real_profile_refuses_mock_deviations() -> None:
    done = _pytest("--target", "staging.toml", "--mock-deviation", "drop_trace_id")
    assert done.returncode == 4  # pytest's usage error
    assert "ERROR: --mock-deviation needs the embedded mock (--target mock or mock-http)" in done.stderr


@pytest.mark.long
def test_the_mock_over_http_serves_the_deviation() -> None:
    done = _pytest("--target", "mock-http", "--mock-deviation", "drop_trace_id", "-k", "E1.invalid_request")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "mock deviations switched on: drop_trace_id" in done.stdout
    assert "[R-ENVELOPE-TRACE-ID] trace_id missing" in done.stdout
