"""The fuzz suite end to end, in subprocesses (run side by side): the default run against the embedded mock passes,
and each named deviation switched on in the mock makes it fail with a redacted reproducer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "conformance" / "suites" / "test_fuzz.py"
RUNS = {
    "default": [],
    "server_error_on_bad_attributes": ["-k", "test_stateless and signupStart"],
    "accept_reused_token": ["-k", "test_stateful and signin", "--fuzz-scenarios", "3"],
    "undocumented_error_value": ["-k", "test_stateless and signinInitiate"],
}
# A password or code shown in clear: `password=` / `oob=` not followed by a fingerprint.
CLEAR_SECRET = re.compile(r"(?<![\w-])(?:password|new_password|oob)=(?!…#[0-9a-f]{8})[^&\s']")
PROFILE = """
base_url = "http://127.0.0.1:9/contoso.onmicrosoft.com"
client_id = "00001111-aaaa-2222-bbbb-3333cccc4444"
[tenant]
auth_method = "email_otp"
[signup]
address_template = "qa+{id}@example.com"
[otp]
type = "command"
argv = ["true"]
"""


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q", "-rfs", *args]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """Every run of the suite, started together (the default run is the long one)."""
    profile = tmp_path_factory.mktemp("profile") / "tenant.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    reports = tmp_path_factory.mktemp("reports")
    commands = {}
    for name, args in RUNS.items():
        deviation = ["--mock-deviation", name] if name != "default" else []
        commands[name] = _command(*args, *deviation, f"--conformance-reports={reports / name}")
    commands["real"] = _command(
        "--target", str(profile), "-k", "test_stateless and signupStart", f"--conformance-reports={reports / 'real'}"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = {
        name: subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, command in commands.items()
    }
    finished = {}
    for name, process in started.items():
        out, _ = process.communicate(timeout=300)
        finished[name] = subprocess.CompletedProcess(process.args, process.returncode, out, "")
    yield finished


def test_default_run_against_the_mock_passes(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    run = outputs["default"]
    assert run.returncode == 0, run.stdout[-4000:]
    assert "18 passed" in run.stdout


@pytest.mark.parametrize("flow", ["signup", "signin", "sspr"])
def test_default_run_reaches_the_token_endpoint(
    outputs: dict[str, subprocess.CompletedProcess[str]], flow: str
) -> None:
    """Stateful chains of every flow follow the links to the token endpoint (E6) and are issued security tokens."""
    pattern = rf"stateful {flow}: (\d+) chains started, (\d+) reached \S+, (\d+) got"
    summary = re.search(pattern, outputs["default"].stdout)
    assert summary is not None, outputs["default"].stdout[-2000:]
    started, reached, issued = map(int, summary.groups())
    assert started and reached and issued


@pytest.mark.parametrize(
    ("deviation", "expected"),
    [
        ("server_error_on_bad_attributes", "not_a_server_error: Server error"),
        ("accept_reused_token", "[R-TOKEN-SINGLE-USE] token_reuse: "),
        ("undocumented_error_value", "error_envelope: error 'user_does_not_exist' is not documented"),
    ],
)
def test_a_deviation_fails_the_run_with_a_reproducer(
    outputs: dict[str, subprocess.CompletedProcess[str]], deviation: str, expected: str
) -> None:
    run = outputs[deviation]
    assert run.returncode == 1, run.stdout[-4000:]
    assert expected in run.stdout, run.stdout[-4000:]
    assert "reproduce: curl -X POST" in run.stdout and "found with --fuzz-seed" in run.stdout, run.stdout[-4000:]
    assert not CLEAR_SECRET.search(run.stdout), CLEAR_SECRET.search(run.stdout)


def test_a_real_target_is_not_fuzzed_without_opt_in(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    run = outputs["real"]
    assert "pass --fuzz-real-target to fuzz 'tenant'" in run.stdout, run.stdout[-2000:]
    assert "1 skipped" in run.stdout
