"""The kill table: the conformance suites run against the embedded mock once per named deviation, and once with none.

Every deviation must be *caught under a requirement it breaks* (declared beside it in
`conformance.mock.deviations`): a suite test fails with a failure finding under that requirement. A failure under
another requirement (e.g. only the endpoint's schema), a harness error or a warning is not a kill, except that a
deviation breaking only rules the docs do not state (basis observed or inferred) is caught by a new warning under one
of them. Each documented reading (`READINGS`) must draw no failure at all, only warnings where it names them. The run
with no deviation must pass. The fast table (default) runs, per switch, only the suite tests its `caught_by` selects,
stopping once it is caught; its clean run takes every non-fuzz test plus every selected one. `--full` runs the whole
suite for every switch and for the clean run. Runs are spread over worker processes, each importing pytest and the
suites once and calling `pytest.main` per run.

    python -m conformance.killtable [--full] [--jobs N] [--target mock|mock-http] [--out FILE] [DEVIATION ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from conformance.verdicts import VERDICT_FAILED

if TYPE_CHECKING:
    from conformance.mock.deviations import Deviation

# Only the standard library at module level: a worker imports this module before `pytest.main`, and a plugin's
# dependency imported before pytest loads the plugin cannot be assertion-rewritten (PytestAssertRewriteWarning).
EMBEDDED, EMBEDDED_HTTP = "mock", "mock-http"  # conformance.target's names (importing it would import httpx)
DEFAULT_OUT = Path("reports/kill-table.md")
NOT_FUZZ = "not fuzz"
VERDICT_PREFIX = VERDICT_FAILED
REASON_WIDTH = 110
OUTPUT_TAIL = 30
# This module's package is imported before pytest marks it for rewriting; it holds no assertions.
ALREADY_IMPORTED = "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning"


class Note(NamedTuple):
    """A suite test and one line about it: a failure finding, why it errored, or a warning it gave."""

    nodeid: str
    text: str

    @property
    def requirement(self) -> str:
        """The requirement a verdict line names (`[E4.user_not_found] ...`), else the whole line."""
        return self.text.removeprefix(VERDICT_PREFIX).split("]", 1)[0].lstrip("[")

    def cite(self) -> str:
        """One line for a Markdown table row (a fuzz finding's text goes on with its reproducer)."""
        text = (self.text.removeprefix(VERDICT_PREFIX).splitlines() or [""])[0]
        text = text if len(text) <= REASON_WIDTH else text[: REASON_WIDTH - 1] + "…"
        return f"`{self.nodeid.removeprefix('conformance/suites/')}`: {text}".replace("|", "\\|")


@dataclass(frozen=True, slots=True)
class Run:
    """One pytest run of the suites: the deviation switched on (None: none), its `-k` selection and what came out."""

    deviation: str | None
    selection: str | None
    exit_code: int
    failed: tuple[Note, ...]
    errors: tuple[Note, ...]
    warned: tuple[Note, ...]
    passed: int
    output: str

    @property
    def run_ok(self) -> bool:
        """The run itself worked: pytest finished normally and no test errored (harness problems are not kills)."""
        return self.exit_code in (0, 1) and not self.errors

    @property
    def clean(self) -> bool:
        """For the run with no deviation: tests ran and every one passed."""
        return self.exit_code == 0 and self.passed > 0 and not self.failed and not self.errors

    def failed_under(self, switch: Deviation) -> list[Note]:
        """The failure findings under a requirement the switch breaks."""
        return [note for note in self.failed if switch.breaks_requirement(note.requirement)]


@dataclass(frozen=True, slots=True)
class KillTable:
    """The clean run and one run per deviation."""

    full: bool
    clean_run: Run
    runs: tuple[Run, ...]

    @property
    def uncaught(self) -> list[str]:
        """Deviations no test failed under a requirement they break (and readings some test failed)."""
        return [str(run.deviation) for run in self.runs if not self.caught(run)]

    def caught(self, run: Run) -> bool:
        """For a deviation: a test failed under a requirement it breaks, or, when it breaks only rules the docs do
        not state, a test newly warned under one. For a reading: no test failed and, where it names requirements,
        one newly warned under them."""
        switch = switch_of(run)
        if is_reading(run):
            return run.run_ok and not run.failed and (not switch.breaks or bool(self.warned_under(run)))
        if run.failed_under(switch):
            return True
        return unstated(switch) and bool(self.warned_under(run))

    @property
    def ok(self) -> bool:
        return self.clean_run.clean and not self.uncaught

    def new_warnings(self, run: Run) -> list[Note]:
        """Warnings of a deviation's run that the clean run did not give (same test, same requirement)."""
        seen = {(note.nodeid, note.requirement) for note in self.clean_run.warned}
        return [note for note in run.warned if (note.nodeid, note.requirement) not in seen]

    def warned_under(self, run: Run) -> list[Note]:
        """The new warnings under a requirement the switch names."""
        switch = switch_of(run)
        return [note for note in self.new_warnings(run) if switch.breaks_requirement(note.requirement)]


def switch_of(run: Run) -> Deviation:
    from conformance.mock.deviations import SWITCHES

    return SWITCHES[str(run.deviation)]


def is_reading(run: Run) -> bool:
    from conformance.mock.deviations import READINGS

    return run.deviation in READINGS


def unstated(switch: Deviation) -> bool:
    """The switch breaks only rules the docs do not state (observed or inferred): the suites warn about it."""
    from conformance.contract import requirements

    known = [*requirements.rules(), *(requirements.resolve(row.id) for row in _rows())]
    broken = [found for found in known if switch.breaks_requirement(found.id)]
    return bool(broken) and all(found.basis != "documented" for found in broken)


def _rows() -> tuple[Any, ...]:
    from conformance.contract import errors

    return errors.table().rows


class _Collector:
    """A pytest plugin sorting one run's reports: failure findings, harness errors, passes and their warnings; it
    stops the session once a failure counts (`stop_when`)."""

    def __init__(self, stop_when: Callable[[Note], bool] | None = None) -> None:
        self.failed: list[Note] = []
        self.errors: list[Note] = []
        self.warned: list[Note] = []
        self.passed = 0
        self.stop_when = stop_when
        self.session: Any = None

    def pytest_sessionstart(self, session: Any) -> None:
        self.session = session

    @staticmethod
    def _note(report: Any) -> Note:
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
        return Note(report.nodeid or "(collection)", (text.strip().splitlines() or [""])[0])

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.errors.append(self._note(report))

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" and report.passed:
            self.passed += 1
            self.warned += [Note(report.nodeid, text) for name, text in report.user_properties if name == "warning"]
        elif report.failed:
            if report.when != "call" or ("verdict", "error") in report.user_properties:
                self.errors.append(self._note(report))
                return
            found = [Note(report.nodeid, text) for name, text in report.user_properties if name == "failure"]
            self.failed += found or [self._note(report)]
            if self.stop_when is not None and self.session is not None and any(map(self.stop_when, found)):
                self.session.shouldstop = "the deviation is caught"


def pytest_args(deviation: str | None, selection: str | None, *, target: str) -> list[str]:
    """The command line of one run (what a person would type after `pytest`)."""
    args = ["--pyargs", "conformance.suites", "-p", "no:cacheprovider", "-q", "--conformance-reports="]
    args += ["--target", target]
    if deviation:
        args += ["--mock-deviation", deviation]
    if selection:
        args += ["-k", selection]
    return args


def run_once(deviation: str | None, selection: str | None, target: str, stop_early: bool) -> Run:
    """Run the suites in this process with `pytest.main`, keeping its output rather than printing it; with
    `stop_early`, stop once a failure under a requirement the deviation breaks came."""
    import pytest

    from conformance.mock.deviations import DEVIATIONS

    switch = DEVIATIONS.get(deviation or "")
    stop = (lambda note: switch.breaks_requirement(note.requirement)) if stop_early and switch else None
    collector, out = _Collector(stop), io.StringIO()
    args = [*pytest_args(deviation, selection, target=target), "-W", ALREADY_IMPORTED]
    with contextlib.redirect_stdout(out):
        code = pytest.main(args, plugins=[collector])
    for name in [name for name in sys.modules if name.startswith("conformance.suites.")]:
        del sys.modules[name]  # the next run imports the suite modules afresh: nothing they cached carries over
    tail = "\n".join(out.getvalue().splitlines()[-OUTPUT_TAIL:])
    notes = (tuple(collector.failed), tuple(collector.errors), tuple(collector.warned))
    return Run(deviation, selection, int(code), *notes, collector.passed, tail)


def _worker_setup() -> None:
    """A worker is not part of any outer pytest run (e.g. the project's own tests under xdist)."""
    for name in [name for name in os.environ if name.startswith("PYTEST_")]:
        del os.environ[name]


def clean_selection(deviations: Iterable[str]) -> str:
    """The fast clean run: every non-fuzz test and every test some switch's selection names."""
    from conformance.mock.deviations import SWITCHES

    return " or ".join([NOT_FUZZ, *(f"({SWITCHES[name].caught_by})" for name in deviations)])


def build(
    deviations: Sequence[str] = (), *, full: bool = False, jobs: int | None = None, target: str = EMBEDDED
) -> KillTable:
    """Run the clean run and one run per switch (every deviation and reading when none are named) over `jobs`
    processes."""
    from conformance.mock.deviations import SWITCHES, unknown

    names = list(deviations or SWITCHES)
    if bad := unknown(names):
        raise ValueError(f"unknown deviation {bad[0]!r}")
    plan: list[tuple[str | None, str | None]] = [(None, None if full else clean_selection(names))]
    plan += [(name, None if full else SWITCHES[name].caught_by) for name in names]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(plan)))
    with ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_setup
    ) as pool:
        futures = [pool.submit(run_once, name, sel, target, name is not None and not full) for name, sel in plan]
        clean_run, *runs = [future.result() for future in futures]
    return KillTable(full, clean_run, tuple(runs))


def _row(table: KillTable, run: Run) -> str:
    switch = switch_of(run)
    if counted := run.failed_under(switch):
        more = f" (+{len(counted) - 1} more)" if len(counted) > 1 else ""
        return f"| {run.deviation} | caught under {counted[0].requirement} | {counted[0].cite()}{more} |"
    if table.caught(run):
        return f"| {run.deviation} | caught as a warning (unstated rule) | {table.warned_under(run)[0].cite()} |"
    verdict = "NOT CAUGHT" if run.run_ok else f"NOT CAUGHT (run error, exit {run.exit_code})"
    if run.failed:
        return f"| {run.deviation} | {verdict}: failed only under other requirements | {run.failed[0].cite()} |"
    if warnings := table.new_warnings(run):
        return f"| {run.deviation} | {verdict}: warning only | {warnings[0].cite()} |"
    why = run.errors[0].cite() if run.errors else f"no selected test failed (`-k {run.selection or '(all)'}`)"
    return f"| {run.deviation} | {verdict} | {why} |"


def _reading_row(table: KillTable, run: Run) -> str:
    if table.caught(run):
        warned = table.warned_under(run)
        where = warned[0].cite() if warned else ""
        return f"| {run.deviation} | {'warned' if warned else 'passed'}, no failure | {where} |"
    if run.failed:
        return f"| {run.deviation} | FAILED (a documented reading) | {run.failed[0].cite()} |"
    why = run.errors[0].cite() if run.errors else f"no new warning under {', '.join(switch_of(run).breaks)}"
    return f"| {run.deviation} | NOT WARNED | {why} |"


def render(table: KillTable) -> str:
    """The kill table as Markdown (also what the terminal shows)."""
    mode = "whole suite per deviation" if table.full else "per deviation its caught_by tests, until caught"
    deviations = [run for run in table.runs if not is_reading(run)]
    readings = [run for run in table.runs if is_reading(run)]
    lines = [f"# Deviation kill table ({mode})", "", "| deviation | verdict | caught by |", "|---|---|---|"]
    lines += [_row(table, run) for run in deviations]
    clean = table.clean_run
    state = "all pass" if clean.clean else f"NOT CLEAN (exit {clean.exit_code})"
    counts = f"{clean.passed} passed, {len(clean.failed)} failed, {len(clean.errors)} errored"
    lines += [f"| (none) | {state} | {counts} |", ""]
    if readings:
        lines += ["Documented readings (must never fail):", "", "| reading | verdict | where |", "|---|---|---|"]
        lines += [*(_reading_row(table, run) for run in readings), ""]
    missed = [run for run in deviations if not table.caught(run)]
    lines.append(f"{len(deviations) - len(missed)}/{len(deviations)} deviations caught under their requirements.")
    if table.uncaught:
        lines.append(f"Not as expected: {', '.join(table.uncaught)}.")
    problems = [f"with no deviation, failed: {note.cite()}" for note in clean.failed]
    problems += [f"with no deviation, errored: {note.cite()}" for note in clean.errors]
    problems += [f"{run.deviation}, errored: {note.cite()}" for run in table.runs for note in run.errors]
    if problems:
        lines += ["", "Problems:", *(f"- {problem}" for problem in problems)]
    return "\n".join(lines) + "\n"


def write(table: KillTable, path: Path = DEFAULT_OUT) -> Path:
    """Write the Markdown kill table (creating the directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(table), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.killtable", description=__doc__.split("\n\n")[0])
    parser.add_argument("deviations", nargs="*", metavar="DEVIATION", help="deviations to run (default: all)")
    parser.add_argument("--full", action="store_true", help="run the whole suite for every deviation (slow)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: the CPU count)")
    parser.add_argument("--target", choices=(EMBEDDED, EMBEDDED_HTTP), default=EMBEDDED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"Markdown file (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        table = build(args.deviations, full=args.full, jobs=args.jobs, target=args.target)
    except ValueError as exc:
        parser.error(str(exc))
    print(render(table), end="")
    print(f"written to {write(table, args.out)}")
    return 0 if table.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
