"""`conformance target check`: all ready against a served mock; a broken profile or a silent host says why."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
from click.testing import CliRunner

from conformance.cli import main
from conformance.profile import CommandOtp, mock_profile
from conformance.target import free_port
from conformance.target_check import check_otp


def _check(profile: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["target", "check", str(profile)], prog_name="conformance")
    return result.exit_code, result.output.strip().splitlines()


def test_a_served_mock_is_all_ready(served_mock: str, profile_for: Callable[[str], Path]):
    status, lines = _check(profile_for(served_mock))
    assert [line.split()[:2] for line in lines] == [
        ["profile", "ready"], ["environment", "ready"], ["host", "ready"], ["request", "ready"], ["otp", "source"],
    ]
    assert lines[-1].split()[2] == "ready"
    assert "user_not_found" in lines[3]
    assert status == 0


def test_a_silent_host_is_not_ready(profile_for: Callable[[str], Path]):
    origin = f"http://127.0.0.1:{free_port()}"
    status, lines = _check(profile_for(origin))
    not_ready = [line.split()[0] for line in lines if "NOT READY" in line]
    assert not_ready == ["host", "request", "otp"]
    assert f"cannot reach {origin}/" in lines[2]
    assert status == 1


def test_a_broken_profile_is_one_line_naming_the_key(profile_for: Callable[[str], Path]):
    profile = profile_for("http://127.0.0.1:8765")
    profile.write_text(profile.read_text(encoding="utf-8").replace("\nclient_id =", "\nclient_idd ="), encoding="utf-8")
    status, lines = _check(profile)
    assert lines == [f"Error: {profile}: client_id: missing"]
    assert status == 1


def test_a_run_against_a_silent_host_stops_before_any_test(profile_for: Callable[[str], Path]):
    profile = profile_for(f"http://127.0.0.1:{free_port()}")
    result = CliRunner().invoke(main, ["run", "--target", str(profile)], prog_name="conformance")
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot reach ")
    assert result.output.strip().endswith(f"(see: conformance target check {profile})")
    assert len(result.output.strip().splitlines()) == 1


def test_an_otp_command_that_exits_non_zero_for_no_code_is_not_ready(tmp_path: Path):
    """The command contract (print nothing, exit 0 while no code has come) is checked, and the fix said in one line."""
    script = tmp_path / "strict.py"
    script.write_text("import sys\nprint('no code yet', file=sys.stderr)\nsys.exit(1)\n")
    profile = dataclasses.replace(
        mock_profile("http://127.0.0.1:9/contoso.onmicrosoft.com", "http://127.0.0.1:9"),
        otp=CommandOtp(argv=(sys.executable, str(script))),
    )
    with httpx.Client() as http:
        check = check_otp(profile, "qa+1@example.com", http)
    assert not check.ready
    assert "exit status 1: no code yet for an address with no code" in check.detail
    assert check.detail.endswith("(README: the OTP command contract)")
