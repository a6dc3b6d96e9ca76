"""The client-library gate recipe end to end: serve the mock, library tests, one suite test, mock stopped."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from cli_support import BIN, answers

from conformance.contract.paths import REPO_ROOT
from conformance.session import free_port

GATE = REPO_ROOT / "examples" / "ci" / "client-library-gate.sh"


def test_the_gate_passes_and_stops_the_mock(tmp_path: Path):
    port = free_port()
    seen = tmp_path / "library-saw.txt"
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GATE_PORT": str(port),
        "GATE_REPORTS": str(tmp_path / "reports"),
        "LIBRARY_TEST_COMMAND": f'echo "$NATIVE_AUTH_BASE_URL $NATIVE_AUTH_CLIENT_ID" > {seen}',
    }
    done = subprocess.run(
        [str(GATE), "-k", "test_signing_up_twice_is_refused"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert seen.read_text().split() == [
        f"http://127.0.0.1:{port}/contoso.onmicrosoft.com", "00001111-aaaa-2222-bbbb-3333cccc4444"
    ]
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
