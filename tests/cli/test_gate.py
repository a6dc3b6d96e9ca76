"""The client-library gate recipe end to end: serve the mock, the library's tests (MSAL JS), one suite test, mock
stopped."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from cli_support import BIN, answers

from conformance.contract.paths import REPO_ROOT
from conformance.target import free_port

GATE = REPO_ROOT / "examples" / "ci" / "client-library-gate.sh"
MSAL_TESTS = REPO_ROOT / "tests" / "clients" / "test_msal.py"

pytestmark = pytest.mark.long


def test_the_gate_runs_msal_then_the_suite_and_stops_the_mock(tmp_path: Path):
    """The recipe with a real client library's tests as LIBRARY_TEST_COMMAND: MSAL JS custom auth (tests/clients)
    against the served mock, then one suite test; the mock is gone afterwards."""
    port = free_port()
    junit = tmp_path / "msal.xml"
    library_tests = (
        f"cd {shlex.quote(str(REPO_ROOT))} && {shlex.quote(sys.executable)} -m pytest -p no:cacheprovider -q "
        f"{shlex.quote(str(MSAL_TESTS))} --junitxml={shlex.quote(str(junit))}"
    )
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GATE_PORT": str(port),
        "GATE_REPORTS": str(tmp_path / "reports"),
        "LIBRARY_TEST_COMMAND": library_tests,
    }
    done = subprocess.run(
        [str(GATE), "-k", "test_signing_up_twice_is_refused"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    output = done.stdout + done.stderr
    suite = ElementTree.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None, output
    counts = {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
    if counts["skipped"] == counts["tests"]:  # no node, npm or Chromium here and CONFORMANCE_REQUIRE_* unset
        pytest.skip(f"the MSAL JS tests skipped: {suite.find('.//skipped').get('message')}")
    assert done.returncode == 0, output
    assert counts["tests"] >= 12 and counts["failures"] == counts["errors"] == counts["skipped"] == 0, output
    used = {prop.get("name"): prop.get("value") for prop in suite.iter("property")}
    assert used["native_auth_base_url"] == f"http://127.0.0.1:{port}/contoso.onmicrosoft.com"
    tests = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))["tests"]
    assert [t["verdict"] for t in tests if t["verdict"] != "deselected"] == ["pass"], output
    pid = int(re.search(r"gate: mock tenant \(pid (\d+)\)", output)[1])
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert not answers(f"http://127.0.0.1:{port}")


def test_the_gate_fails_when_the_suite_executes_nothing(tmp_path: Path):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "GATE_PORT": str(free_port())}
    done = subprocess.run(
        [str(GATE), "--reports", str(tmp_path / "reports"), "-k", "no_test_has_this_name"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no conformance check was executed" in done.stdout
    assert "gate: mock tenant stopped" in done.stdout


def test_the_gate_refuses_a_port_something_else_answers_on(tmp_path: Path, served_mock: str):
    """With GATE_PORT taken by another server, the gate stops before testing that server instead of its own mock."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "GATE_PORT": served_mock.rsplit(":", 1)[1], "LIBRARY_TEST_COMMAND": f"touch {tmp_path / 'ran'}"}
    done = subprocess.run([str(GATE)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "is already in use" in done.stderr, done.stdout + done.stderr
    assert not (tmp_path / "ran").exists()
