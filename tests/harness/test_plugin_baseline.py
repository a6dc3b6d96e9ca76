"""The pytest plugin, run as a person runs it (pytest in a subprocess): verdicts, the strict baseline, refusals.

A suite-like module checks one error row against a mock served on a loopback port; the mock's `drop_trace_id`
deviation makes it fail on R-ENVELOPE-TRACE-ID (and on E1, whose schema requires `trace_id`), and a target profile's
`expected_deviations` is the baseline.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from conformance.mock import create_app

pytest_plugins = ["pytester"]

SUITE = '''
import pytest
from conformance import checks

@pytest.mark.requirement("E1.user_already_exists")
def test_existing_user_is_refused(steps, verdict):
    """Starting a sign-up for an existing user answers E1.user_already_exists with the full envelope."""
    response = steps.signup_start("avery@contoso.com")
    checks.error_row(verdict, response, "E1.user_already_exists")
'''
DEVIATED = ("R-ENVELOPE-TRACE-ID", "E1")
PROFILE = """
name = "harness-baseline"
base_url = "{origin}/contoso.onmicrosoft.com"
client_id = "22223333-cccc-4444-dddd-5555eeee6666"
expected_deviations = {listed}

[tenant]
auth_method = "email_otp"

[signup]
address_template = "qa+{{id}}@example.com"

[otp]
type = "outbox"
control_url = "{origin}"

[pacing]
requests_per_second = 0
"""
Profile = Callable[..., Path]


@pytest.fixture
def served_mock() -> Iterator[str]:
    """A fresh mock tenant served by uvicorn on a loopback port (in a thread); yields its origin."""
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="harness-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the mock did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def profile(pytester: pytest.Pytester, served_mock: str) -> Profile:
    """`profile(*listed, deviate=False)`: a profile of the served mock with that baseline, the deviation on or off."""

    def write(*listed: str, deviate: bool = False) -> Path:
        names = {"enable" if deviate else "disable": ["drop_trace_id"]}
        httpx.post(f"{served_mock}/_mock/deviations", json=names).raise_for_status()
        text = PROFILE.format(origin=served_mock, listed=list(listed)).replace("'", '"')
        return pytester.makefile(".toml", profile=text)

    return write


#: Plugins the suite-like module does not use, left out to halve each run's start-up (they import Hypothesis).
UNUSED_PLUGINS = ("conformance-fuzz", "schemathesis", "hypothesispytest", "cacheprovider")


def run(pytester: pytest.Pytester, *args: str | Path) -> pytest.RunResult:
    """pytest in a subprocess (the plugin keeps run-wide state in its module), from the pytester directory."""
    disabled = [arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")]
    return pytester.runpytest_subprocess(*disabled, *map(str, args), timeout=120)


def test_a_failing_verdict_fails_the_test_naming_the_requirement(pytester: pytest.Pytester,
                                                                  profile: Profile) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run(pytester, "--target", profile(deviate=True))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*TargetDeviation: [[]R-ENVELOPE-TRACE-ID[]] trace_id missing*"])


def test_a_listed_deviation_is_reported_and_does_not_fail_the_run(pytester: pytest.Pytester,
                                                                   profile: Profile) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run(pytester, "--target", profile(*DEVIATED, deviate=True), "--conformance-reports", "reports")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    [test] = json.loads((pytester.path / "reports" / "summary.json").read_text(encoding="utf-8"))["tests"]
    assert test["verdict"] == "expected_deviation"
    assert sorted(finding.split("]")[0] for finding in test["expected_deviations"]) == ["[E1", "[R-ENVELOPE-TRACE-ID"]


@pytest.mark.long
@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_listed_deviation_that_no_longer_happens_fails_the_run(pytester: pytest.Pytester, profile: Profile,
                                                                  workers: tuple[str, ...]) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run(pytester, "--target", profile(*DEVIATED), *workers)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["conformance: expected deviation R-ENVELOPE-TRACE-ID no longer happens: remove it from the baseline"]
    )


def test_a_run_that_executes_no_check_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite="import pytest\n\ndef test_skipped(verdict):\n    pytest.skip('no such feature')\n")
    result = run(pytester)
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["conformance: no conformance check was executed*"])


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('name = "broken"\nbase_url = \n', "not valid TOML"),
        (PROFILE.format(origin="http://127.0.0.1:9", listed=[])
         .replace('type = "outbox"\ncontrol_url = "http://127.0.0.1:9"',
                  'type = "imap"\nhost = "imap.example.com"\n'
                  'username_env = "HARNESS_UNSET_USER"\npassword_env = "HARNESS_UNSET_PASSWORD"'),
         "otp.username_env: environment variable HARNESS_UNSET_USER is not set"),
    ],
    ids=["malformed", "unset-variable"],
)
def test_a_broken_profile_stops_the_run_with_one_line(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                      text: str, names: str) -> None:
    monkeypatch.delenv("HARNESS_UNSET_USER", raising=False)
    pytester.makepyfile(test_suite=SUITE)
    path = pytester.makefile(".toml", broken=text)
    result = run(pytester, "--target", path)
    output = result.stdout.lines + result.stderr.lines
    assert result.ret == pytest.ExitCode.USAGE_ERROR, "\n".join(output)
    named = [line for line in output if names in line]
    assert len(named) == 1 and named[0].startswith(f"ERROR: {path}: {names}"), "\n".join(output)
    assert not [line for line in output if "Traceback" in line or line.startswith(("E ", ">"))]
