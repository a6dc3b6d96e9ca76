"""What would make every test of a run an error is refused before the run, in one line naming the profile's key:
a profile that is not UTF-8, a timeout that is not a finite number, a client id that is not a GUID or that the tenant
refuses, an OTP command whose output is not UTF-8. Against `pytest` directly, an OTP source that breaks is each test's
one-line harness error, never a traceback or the target's failure."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.contract.paths import REPO_ROOT

GUID = "00001111-aaaa-2222-bbbb-3333cccc4444"
UNKNOWN_APP = "99998888-aaaa-7777-bbbb-666655554444"
CONFIDENTIAL_APP = "33334444-dddd-5555-eeee-6666ffff7777"  # the mock's confidential client
DISABLED_APP = "44445555-eeee-6666-ffff-7777aaaa8888"  # the mock's app without native authentication
LATIN1_COMMAND = "import sys; sys.stdout.buffer.write('Ihr Code (gültig): 12345678'.encode('latin-1'))"


def _run(profile: Path, *extra: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["run", "--target", str(profile), *extra], prog_name="conformance")
    assert "Traceback" not in result.output
    return result.exit_code, result.output.strip().splitlines()


def _edit(profile: Path, old: str, new: str) -> Path:
    text = profile.read_text(encoding="utf-8")
    assert old in text
    profile.write_text(text.replace(old, new, 1), encoding="utf-8")
    return profile


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("timeout_s = 10", "timeout_s = inf", "otp.timeout_s: must be a finite number; got inf"),
        ("timeout_s = 10", "timeout_s = nan", "otp.timeout_s: must be a finite number; got nan"),
        (f'client_id = "{GUID}"', 'client_id = "contoso-native-app"',
         f"client_id: not a GUID (an application (client) ID is like {GUID}); got 'contoso-native-app'"),
    ],
)
def test_a_profile_value_the_run_cannot_use_is_one_line(
    profile_for: Callable[[str], Path], old: str, new: str, problem: str
):
    profile = _edit(profile_for("http://127.0.0.1:8765"), old, new)
    status, lines = _run(profile)
    assert (status, lines) == (1, [f"Error: {profile}: {problem}"])


def test_a_profile_that_is_not_utf8_is_one_line(profile_for: Callable[[str], Path]):
    profile = profile_for("http://127.0.0.1:8765")
    profile.write_bytes(profile.read_bytes().replace(b'name = "mock-http"', 'name = "Qualität"'.encode("latin-1")))
    status, lines = _run(profile)
    assert status == 1 and len(lines) == 1
    assert lines[0].startswith(f"Error: {profile}: not UTF-8 text (byte 0xe4 at offset ")
    assert lines[0].endswith("); save the file as UTF-8")


UNKNOWN = "unauthorized_client: The client ID is well formed but not found in the tenant, or incorrect."


@pytest.mark.parametrize(
    ("old", "app", "key", "answer"),
    [
        (f'client_id = "{GUID}"', UNKNOWN_APP, "client_id", UNKNOWN),
        ('second_client_id = "11112222-bbbb-3333-cccc-4444dddd5555"', UNKNOWN_APP, "second_client_id", UNKNOWN),
        ('client_id = "22223333-cccc-4444-dddd-5555eeee6666"', UNKNOWN_APP, "applications[1].client_id", UNKNOWN),
        (f'client_id = "{GUID}"', CONFIDENTIAL_APP, "client_id", "invalid_client: The app lacks native-auth "
         "configuration (not a public client, or native auth not enabled); `suberror` refines it."),
        (f'client_id = "{GUID}"', DISABLED_APP, "client_id", "invalid_client.nativeauthapi_disabled: `invalid_client` "
         "refined: the app is not enabled for native authentication."),
    ],
)
def test_an_application_the_tenant_refuses_is_a_profile_problem_naming_the_key(
    served_mock: str, profile_for: Callable[[str], Path], old: str, app: str, key: str, answer: str
):
    """The run's first requests (a sign-in start as each application) answered `unauthorized_client` or
    `invalid_client`: the profile's key is wrong, which the run says (with the error row's meaning) instead of failing
    every test against the tenant."""
    profile = _edit(profile_for(served_mock), old, old.split("=")[0] + f'= "{app}"')
    status, lines = _run(profile)
    assert (status, lines) == (1, [f"Error: {profile}: {key}: the tenant refused application {app} ({answer})"])


def test_target_check_names_the_refused_key(served_mock: str, profile_for: Callable[[str], Path]):
    profile = _edit(profile_for(served_mock), f'client_id = "{GUID}"', f'client_id = "{UNKNOWN_APP}"')
    result = CliRunner().invoke(main, ["target", "check", str(profile)], prog_name="conformance")
    request = next(line for line in result.output.splitlines() if line.startswith("request"))
    assert "NOT READY" in request and f"profile client_id: the tenant refused application {UNKNOWN_APP}" in request
    assert result.exit_code == 1


def _latin1_otp(profile: Path) -> Path:
    text = profile.read_text(encoding="utf-8")
    start = text.index("argv = [")
    end = text.index("\n", start)
    argv = json.dumps(["{python}", "-c", LATIN1_COMMAND])
    profile.write_text(text[:start] + f"argv = {argv}" + text[end:], encoding="utf-8")
    return profile


def test_an_otp_command_printing_non_utf8_stops_the_run_in_one_line(
    served_mock: str, profile_for: Callable[[str], Path]
):
    profile = _latin1_otp(profile_for(served_mock))
    status, lines = _run(profile)
    assert status == 1 and len(lines) == 1
    assert lines[0].startswith("Error: command {python} -c ")
    assert "printed output that is not UTF-8 for qa+run-check-" in lines[0]
    assert lines[0].endswith(f"(byte 0xfc at offset 11) (see: conformance target check {profile})")


@pytest.mark.long
def test_an_otp_source_that_breaks_is_each_tests_one_line_harness_error(
    served_mock: str, profile_for: Callable[[str], Path], tmp_path: Path
):
    """Run through pytest itself (no pre-check): the tests that need a code error with the source's one line."""
    profile = _latin1_otp(profile_for(served_mock))
    reports = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance.suites", "--target",
         str(profile), "--conformance-reports", str(reports), "-k", "test_sign_up_with_everything_at_start"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert "Traceback" not in done.stdout and "UnicodeDecodeError" not in done.stdout, done.stdout[-3000:]
    tests = json.loads((reports / "summary.json").read_text(encoding="utf-8"))["tests"]
    errored = [t for t in tests if t["verdict"] == "error"]
    assert errored and all(t["verdict"] in ("error", "skipped") for t in tests)
    for test in errored:
        assert test["reason"].startswith("OtpError: command {python} -c ") and "\n" not in test["reason"]
        assert "printed output that is not UTF-8" in test["reason"]
