"""The pytest plugin: target selection, markers, verdicts, the run's tallies and the strict deviation baseline.

Its fixtures are in `conformance.fixtures`, which it loads (`pytest_plugins`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import checks, expiry, redaction, skips
from conformance.client import TargetUnreachable
from conformance.contract import requirements
from conformance.fixtures import OPENED, TRANSCRIPT, VERDICT
from conformance.mock.deviations import SWITCHES
from conformance.otp import OtpError
from conformance.profile import ProfileError, load_profile
from conformance.report.results import warned_rules
from conformance.target import EMBEDDED, EMBEDDED_HTTP
from conformance.verdicts import VERDICT_FAILED, TargetDeviation, Verdict
from conformance.walker import FlowStopped, Lacking

pytest_plugins = ("conformance.fixtures",)

MARKERS = {
    "signup": "sign-up flow (api-reference.md §3)",
    "signin": "sign-in flow (§4)",
    "sspr": "self-service password reset (§6)",
    "mfa": "MFA and strong-authentication-method registration (§4 E7, §5)",
    "chaining": "continuation-token chaining rules (§7.1)",
    "rules": "cross-cutting rules: OTP, scopes, challenge types and the redirect fallback (§7.2, §7.5, §7.10)",
    "errors": "error-table rows (§3–§6 error tables, specs/errors.yaml)",
    "fuzz": "schemathesis fuzzing driven by specs/native-auth.openapi.yaml",
    "requirement(*ids)": "the requirement ids (error rows, endpoint tags, R-... rules) a test checks",
    "expiry(lifetime, prepare)": "probes a lifetime (token or code expiry): on a target without clock control it runs "
    "only with --slow, prepared with every other expiry probe before the run's one wait (conformance.expiry)",
}
#: What a test raises when the target broke a rule (a verdict); anything else in a test's body (TargetUnreachable,
#: OtpTimeout, a crash of test code) is an error of the run.
VERDICT_EXCEPTIONS = (AssertionError, pytest.fail.Exception)
#: The harness's own problems, each reported in the one line its exception says (never a traceback), in any phase.
HARNESS_ERRORS = (TargetUnreachable, OtpError, ProfileError)
BASELINE = pytest.StashKey[frozenset[str]]()
PROBLEMS = pytest.StashKey[list[str]]()
#: Accounts created / attempted when the last phase report was made (this session's process).
ACCOUNTS_SEEN = pytest.StashKey[tuple[int, int]]()
_RUN: dict[str, Any] = {}
MESSAGE_WIDTH = 110


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Entra native-auth conformance")
    group.addoption(
        "--target",
        default=EMBEDDED,
        metavar="PROFILE",
        help="target profile (TOML); 'mock' = embedded mock in-process (default), 'mock-http' = over loopback HTTP",
    )
    group.addoption(
        "--slow",
        action="store_true",
        help="run the expiry probes on a target without clock control (prepared together, one real wait)",
    )
    group.addoption(
        "--mock-deviation",
        action="append",
        default=[],
        choices=sorted(SWITCHES),
        metavar="NAME",
        help="switch on a named deviation of the embedded mock (self-test: the suites must fail; repeatable; "
        "list them with `conformance mock deviations`)",
    )


def pytest_configure(config: pytest.Config) -> None:
    redaction.redact_log_records()
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    for name in requirements.section_markers():
        config.addinivalue_line("markers", f"{name}: doc section {name} of api-reference.md (from requirement ids)")
    _RUN.update(executed=0, checked=set(), expected=set(), created=set(), attempted=set(), skipped=[], warned=[])
    if config.getoption("--mock-deviation") and config.getoption("--target") not in (EMBEDDED, EMBEDDED_HTTP):
        raise pytest.UsageError(f"--mock-deviation needs the embedded mock (--target {EMBEDDED} or {EMBEDDED_HTTP})")
    spec = config.getoption("--target")
    if spec not in (EMBEDDED, EMBEDDED_HTTP):
        # read here, not when the target opens: a broken profile stops the run in one line, and the xdist controller
        # (which never opens the target) knows the baseline it must hold the run to
        try:
            config.stash[BASELINE] = frozenset(load_profile(Path(spec)).expected_deviations)
        except ProfileError as exc:
            raise pytest.UsageError(str(exc)) from None


def pytest_report_header(config: pytest.Config) -> str | None:
    deviations = config.getoption("--mock-deviation")
    return f"conformance: mock deviations switched on: {', '.join(deviations)}" if deviations else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After the test body, turn the verdict's FAILURE findings into the test's failure (also when they stopped a flow,
    so the failure names the broken rule rather than the step that could not go on); a test whose walk needs what the
    profile lacks skips, saying what."""
    found = item.stash.get(VERDICT, None)
    try:
        result = yield
    except Lacking as exc:
        pytest.skip(exc.reason)
    except FlowStopped:
        _conclude(item, found)
        raise
    _conclude(item, found)
    return result


def _conclude(item: pytest.Item, found: Verdict | None) -> None:
    """Check what holds for every answer of the test (its Content-Type), then raise when the target broke a rule."""
    if found is not None:
        checks.json_answers(found, item.stash.get(TRANSCRIPT, []))
        found.conclude()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Attach requirement ids, findings, the transcript and the two-axis verdict to the report, and to every phase's
    report the accounts it signed up (and those it attempted to)."""
    report: pytest.TestReport = yield
    _accounts(item, report)
    if call.excinfo is not None and call.excinfo.errisinstance(HARNESS_ERRORS):
        problem = call.excinfo.value
        report.longrepr = f"{type(problem).__name__}: {problem}"  # one line, which says what failed and where
    if call.when != "call":
        return report
    for marker in item.iter_markers("requirement"):
        for requirement_id in marker.args:
            report.user_properties.append(("requirement", requirement_id))
    found = item.stash.get(VERDICT, None)
    if found is not None:
        report.user_properties.append(("checked", sorted(set(found.checked))))
        report.user_properties.extend(("failure", str(f)) for f in found.failures)
        report.user_properties.extend(("warning", str(f)) for f in found.warnings)
        report.user_properties.extend(("expected_deviation", str(f)) for f in found.expected)
    conformance_check = found is not None or any(True for _ in item.iter_markers("requirement"))
    if conformance_check and call.excinfo is not None and not call.excinfo.errisinstance(VERDICT_EXCEPTIONS):
        # a harness problem (target unreachable, OTP timeout) or a crash of test code: the run's error, not a verdict
        report.user_properties.append(("verdict", "error"))
    if call.excinfo is not None and call.excinfo.errisinstance(TargetDeviation):
        # the broken rules, one per line, rather than a traceback through the plugin's own frames
        report.longrepr = f"{VERDICT_FAILED}{call.excinfo.value}"
    # The transcript stays in item.stash[TRANSCRIPT]: conformance.report writes it to a file beside the reports.
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """A test body that failed for the run's reasons (`verdict: error`) counts as an error in pytest's own tallies,
    as in summary.json and the reports."""
    if report.when == "call" and report.failed and ("verdict", "error") in report.user_properties:
        return "error", "E", "ERROR"
    return None


def _accounts(item: pytest.Item, report: pytest.TestReport) -> None:
    """The accounts whose sign-up completed, and the addresses handed out for sign-up, since the last phase report
    (phases run one after another in a process, so they are this phase's)."""
    target = item.config.stash.get(OPENED, None)
    if target is None:
        return
    created, attempted = item.config.stash.get(ACCOUNTS_SEEN, (0, 0))
    report.user_properties += [("created", a) for a in target.created[created:]]
    report.user_properties += [("attempted", a) for a in target.attempted[attempted:]]
    item.config.stash[ACCOUNTS_SEEN] = (len(target.created), len(target.attempted))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every requirement a test names must resolve to spec data (a typo is a harness error, found at collection); each
    test is also marked with the doc sections its requirements belong to, so `-m E5` or `-m "E6 and not fuzz"` select
    by section. Expiry tests run last."""
    for item in items:
        sections: set[str | None] = set()
        for marker in list(item.iter_markers("requirement")):
            for requirement_id in marker.args:
                requirements.resolve(requirement_id)
                sections.add(requirements.section_marker(requirement_id))
        for section in sorted(sections - {None}):
            item.add_marker(section)
    expiry.last(items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Tally what ran (on the xdist controller too): executed tests, checked requirements, expected deviations, and
    why the others were skipped."""
    if report.skipped and not hasattr(report, "wasxfail") and isinstance(report.longrepr, tuple):
        _RUN["skipped"].append(str(report.longrepr[2]).removeprefix("Skipped: "))
    for name, value in report.user_properties:
        if name in ("created", "attempted"):
            _RUN[name].add(value)
    if report.when != "call" or report.skipped:
        return
    tally = _RUN
    tally["executed"] += 1
    tally["warned"].append((report.nodeid, [value for name, value in report.user_properties if name == "warning"]))
    for name, value in report.user_properties:
        if name == "checked":
            tally["checked"].update(value)
        elif name == "expected_deviation":
            tally["expected"].add(value.split("]", 1)[0].lstrip("["))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail a run that executed no test, and a baseline listing deviations that were checked but no longer happen."""
    if session.config.option.collectonly or hasattr(session.config, "workerinput"):
        return
    problems = []
    if not _RUN["executed"]:
        problems.append("no conformance check was executed (every test was deselected or skipped)")
    listed = session.config.stash.get(BASELINE, frozenset())
    for requirement_id in sorted((listed & _RUN["checked"]) - _RUN["expected"]):
        problems.append(f"expected deviation {requirement_id} no longer happens: remove it from the baseline")
    if problems:
        session.config.stash[PROBLEMS] = problems
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    created, unfinished = sorted(_RUN["created"]), sorted(_RUN["attempted"] - _RUN["created"])
    if created:
        terminalreporter.write_line(f"conformance: this run signed up {len(created)} new account(s): {_some(created)}")
    if unfinished:
        terminalreporter.write_line(
            f"conformance: {len(unfinished)} more sign-up(s) were attempted but not completed: {_some(unfinished)}"
        )
    if warned := warned_rules(_RUN["warned"]):
        terminalreporter.write_line(f"conformance: {len(warned)} rule(s) warned, each once, with its tests:")
        for entry in warned:
            message = entry["message"]
            message = message if len(message) <= MESSAGE_WIDTH else message[: MESSAGE_WIDTH - 1] + "…"
            tests = f"{entry['tests']} test{'s' if entry['tests'] != 1 else ''}"
            terminalreporter.write_line(f"  {entry['requirement']} ({entry['basis']}, {tests}): {message}", yellow=True)
    for line in skips.lines(skips.tally(_RUN["skipped"])):
        terminalreporter.write_line(f"conformance: {line}")
    for problem in config.stash.get(PROBLEMS, []):
        terminalreporter.write_line(f"conformance: {problem}", red=True)


def _some(addresses: list[str]) -> str:
    return ", ".join(addresses[:3]) + (f", … {addresses[-1]}" if len(addresses) > 3 else "")
