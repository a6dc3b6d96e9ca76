"""`conformance run`: the suites (fuzzing at its default budget) against one target, in-process, writing reports."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

import click
import httpx
import pytest

from conformance import skips
from conformance.client import TargetUnreachable
from conformance.profile import ProfileError, load_profile
from conformance.target import EMBEDDED, EMBEDDED_HTTP
from conformance.target_check import check_host, check_otp, probe_address, refused_clients

SUITES = "conformance.suites"
#: What the suites need from pytest's configuration (a configuration found in the working directory is ignored);
#: the warning is about modules this process imported (conformance, anyio through httpx) before pytest could rewrite
#: them, which the suites do not need (their checks go through verdicts, not bare asserts in those modules).
PYTEST_SETTINGS = (
    "-o", "junit_family=xunit1", "-o", "xfail_strict=true", "--strict-markers",
    "-W", "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning",
)
#: Live progress for a real target: one line per test, and the OTP the run is waiting for (conformance.otp).
LIVE_LOG = ("-o", "log_cli=true", "--log-cli-level=INFO", "--log-disable=httpx")


def available_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: Pass-through options that need the tests in this process: a log file or live log (xdist workers would each write
#: the file, and live-log nothing), a debugger.
SERIAL_OPTIONS = ("--log-file", "--log-cli-level", "log_cli", "--pdb", "--trace")


def default_jobs(target: str, extra: tuple[str, ...] = ()) -> int:
    """Worker processes when `--jobs` is not given: every core for the embedded mock (each worker runs its own), one
    for a real target, whose profile paces the requests of one process, or when an option needs one process."""
    if target not in (EMBEDDED, EMBEDDED_HTTP) or any(option in arg for arg in extra for option in SERIAL_OPTIONS):
        return 1
    return available_cores()


def build_pytest_args(
    target: str, reports: Path, slow: bool, extra: tuple[str, ...], jobs: int | None = None
) -> list[str]:
    """The pytest command line of a run; more than one job runs the tests in that many pytest-xdist workers (unless
    the extra arguments choose the workers themselves with `-n`)."""
    args = ["-c", os.devnull, "--rootdir", str(Path.cwd()), *PYTEST_SETTINGS, "--pyargs", SUITES]
    args += ["--target", target, "--conformance-reports", str(reports)]
    if target not in (EMBEDDED, EMBEDDED_HTTP):
        args += LIVE_LOG
    if slow:
        args.append("--slow")
    jobs = default_jobs(target, extra) if jobs is None else jobs
    if jobs > 1 and not _gives(extra, "-n", "--numprocesses"):
        args += ["-n", str(jobs)]
        if not _gives(extra, "--dist"):
            args += ["--dist", "worksteal"]  # the fuzz tests take seconds, most others milliseconds: rebalance
    return [*args, *extra]


def _gives(extra: tuple[str, ...], *options: str) -> bool:
    """Whether the pass-through arguments give one of these options (`-n 2`, `-n2`, `--numprocesses=2`)."""
    return any(
        arg == option or arg.startswith(f"{option}=") or (option == "-n" and arg.startswith(option))
        for arg in extra
        for option in options
    )


def precheck(target: str) -> None:
    """Refuse, in one line, what would make every test an error before any runs: a profile that does not load, a host
    that does not answer, an application the tenant refuses (the profile's key named), an OTP source that cannot be
    read."""
    if target in (EMBEDDED, EMBEDDED_HTTP):
        return
    try:
        profile = load_profile(target)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from None
    see = f"(see: conformance target check {target})"
    with httpx.Client(timeout=15) as http:
        host = check_host(profile, http)
        if not host.ready:
            raise click.ClickException(f"{host.detail} {see}")
        try:
            refused = refused_clients(profile)
        except TargetUnreachable as exc:
            raise click.ClickException(f"{exc} {see}") from None
        if refused:
            raise click.ClickException(f"{target}: {refused[0]}")
        otp = check_otp(profile, probe_address(profile), http)
        if not otp.ready:
            raise click.ClickException(f"{otp.detail} {see}")


class _HoldErrorsUntilStart:
    """pytest's stderr is held until the session starts, so a usage error (printed before) can become one line."""

    def __init__(self) -> None:
        self.held = io.StringIO()
        self.stderr = sys.stderr

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        sys.stderr = self.stderr
        self.stderr.write(self.held.getvalue())
        self.held = io.StringIO()


def _run_pytest(args: list[str]) -> int:
    """`pytest.main(args)`; a usage error (unknown option, bad option value) is raised as one line."""
    holder = _HoldErrorsUntilStart()
    with contextlib.redirect_stderr(holder.held):
        status = int(pytest.main(args, plugins=[holder]))
    held = holder.held.getvalue()
    if status == pytest.ExitCode.USAGE_ERROR and held.strip():
        lines = [line.strip() for line in held.splitlines() if line.strip()]
        reason = next((line.split("error: ", 1)[1] for line in lines if "error: " in line), lines[0])
        error = click.ClickException(f"{reason.removeprefix('ERROR: ')} (see: conformance run --help)")
        error.exit_code = status  # pytest's usage-error status, as the run's status always is
        raise error
    sys.stderr.write(held)
    return status


@click.command(
    short_help="Run the suites against a target and write the reports.",
    context_settings={"ignore_unknown_options": True},
)
@click.option(
    "--target", default=EMBEDDED, show_default=True, metavar="PROFILE|mock|mock-http",
    help="A target profile (TOML), or the embedded mock in-process (mock) or over loopback HTTP (mock-http).",
)
@click.option(
    "--reports", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path),
    help="Directory for conformance.html, traceability.html, junit.xml, summary.json and transcripts/.",
)
@click.option(
    "--slow", is_flag=True,
    help="Also run the expiry probes against a target without clock control: the run waits once, for the longest "
    "lifetime the profile declares.",
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
    help="Worker processes (pytest-xdist). Default: the machine's cores for mock and mock-http (each worker runs its "
    "own mock; verdicts as in a serial run), 1 for a profile (its pacing holds per process) or with a log file, live "
    "log or debugger option.",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED, metavar="[PYTEST_ARGS]...")
def run(target: str, reports: Path, slow: bool, jobs: int | None, pytest_args: tuple[str, ...]) -> None:
    """Run the conformance suites and fuzzing against TARGET and write the reports; exit status as pytest's.

    PYTEST_ARGS go to pytest as they are, e.g. `-k signup`, `-m errors`, `-x`, `--fuzz-max-time 30`.
    A run that executes no conformance check fails.
    """
    precheck(target)
    reports = reports.resolve()
    started = time.time()
    status = _run_pytest(build_pytest_args(target, reports, slow, pytest_args, jobs))
    summary = reports / "summary.json"
    if summary.exists() and summary.stat().st_mtime >= started:
        click.echo(f"conformance: reports in {reports} (conformance.html, summary.json, junit.xml)", err=True)
        found = json.loads(summary.read_text(encoding="utf-8"))["run"].get("skips")
        if found and found["total"]:
            click.echo(f"conformance: {skips.headline(found)} (each reason: summary.json run.skips)", err=True)
    raise SystemExit(status)
