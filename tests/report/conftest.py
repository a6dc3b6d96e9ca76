"""Runs the conformance suites in a subprocess, as a person would, with the reports in a temporary directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.contract.paths import REPO_ROOT
from conformance.redaction import KEY_ENV

HERE = Path(__file__).resolve().parent
EXTRA = HERE / "deliberately_false.py"
SUITE = "conformance/suites/test_signup.py"


@dataclass(frozen=True)
class SuiteRun:
    """One subprocess run: where its reports are, what it printed, and the raw HTTP bodies it exchanged."""

    reports: Path
    output: str
    returncode: int
    raw_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.reports / "summary.json").read_text(encoding="utf-8"))

    def test(self, name: str) -> dict[str, Any]:
        """The summary entry of the test whose node id ends with `::name`."""
        return next(t for t in self.summary["tests"] if t["nodeid"].endswith(f"::{name}"))


def run_suites(tmp: Path, *args: str) -> SuiteRun:
    """Run pytest from the repository root with reports under `tmp/reports` and raw traffic under `tmp/raw`."""
    reports, raw = tmp / "reports", tmp / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    env = {
        # The run makes its own key, and is not a worker of this test run's xdist (PYTEST_XDIST_* would say so).
        **{name: v for name, v in os.environ.items() if name != KEY_ENV and not name.startswith("PYTEST_XDIST")},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        "RAW_CAPTURE_DIR": str(raw),
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "rawcapture", "-rA"]
    command += ["--conformance-reports", str(reports), *args]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    return SuiteRun(reports, done.stdout + done.stderr, done.returncode, raw)


@pytest.fixture(scope="session")
def suite_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    """The sign-up suite plus one test of each verdict (one deliberately false), on two xdist workers."""
    run = run_suites(tmp_path_factory.mktemp("suite-run"), "-n", "2", SUITE, str(EXTRA))
    assert (run.reports / "summary.json").exists(), run.output
    return run


@pytest.fixture
def suite_runner() -> Callable[..., SuiteRun]:
    """`run_suites(tmp, *args)`, for tests that need a run of their own."""
    return run_suites
