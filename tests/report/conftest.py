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


def _run(tmp: Path, command: list[str], timeout: float) -> SuiteRun:
    reports, raw = tmp / "reports", tmp / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    env = {
        # The run makes its own key, and is not a worker of this test run's xdist (PYTEST_XDIST_* would say so).
        **{name: v for name, v in os.environ.items() if name != KEY_ENV and not name.startswith("PYTEST_XDIST")},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        "RAW_CAPTURE_DIR": str(raw),
    }
    command = [part.replace("{reports}", str(reports)) for part in command]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return SuiteRun(reports, done.stdout + done.stderr, done.returncode, raw)


def run_suites(tmp: Path, *args: str) -> SuiteRun:
    """Run pytest from the repository root with reports under `tmp/reports` and raw traffic under `tmp/raw`."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "rawcapture", "-rA"]
    return _run(tmp, [*command, "--conformance-reports", "{reports}", *args], timeout=120)


def run_conformance(tmp: Path, *args: str, timeout: float = 600) -> SuiteRun:
    """`conformance run` as a user runs it, reports under `tmp/reports` (`{reports}` in `args` names that folder)
    and raw traffic under `tmp/raw`."""
    command = [sys.executable, "-c", "from conformance.cli import main; main()", "run", "--reports", "{reports}"]
    return _run(tmp, [*command, "-p", "rawcapture", *args], timeout=timeout)


@pytest.fixture(scope="session")
def suite_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    """The sign-up suite plus one test of each verdict (one deliberately false), on two xdist workers."""
    run = run_suites(tmp_path_factory.mktemp("suite-run"), "-n", "2", SUITE, str(EXTRA))
    assert (run.reports / "summary.json").exists(), run.output
    return run


@pytest.fixture
def conformance_runner() -> Callable[..., SuiteRun]:
    """`run_conformance(tmp, *args)`: the `conformance run` command with raw capture."""
    return run_conformance


@pytest.fixture
def suite_runner() -> Callable[..., SuiteRun]:
    """`run_suites(tmp, *args)`, for tests that need a run of their own."""
    return run_suites
