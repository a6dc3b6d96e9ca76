"""The suites prove they can fail (issue 4 item 8): every named mock deviation makes a suite test fail under a
requirement the deviation breaks, every documented reading the mock can serve draws no failure, and with no deviation
every suite test passes. The whole-suite table: `python -m conformance.killtable --full`.
"""

from __future__ import annotations

import pytest

from conformance.killtable import KillTable, Note, Run
from conformance.mock.deviations import DEVIATIONS, READINGS, SWITCHES


def _run(table: KillTable, deviation: str) -> Run:
    return next(run for run in table.runs if run.deviation == deviation)


def _detail(run: Run) -> str:
    notes = [*(f"errored: {note.cite()}" for note in run.errors), *(f"failed: {note.cite()}" for note in run.failed)]
    return "\n".join([*notes, "--- pytest output (tail) ---", run.output])


def test_every_switch_names_the_tests_that_catch_it(kill_table: KillTable) -> None:
    """The fast table runs every switch, each with its `caught_by` selection."""
    assert sorted(run.deviation for run in kill_table.runs) == sorted(SWITCHES)
    assert all(run.selection == SWITCHES[str(run.deviation)].caught_by for run in kill_table.runs)


def test_suites_pass_with_no_deviation(kill_table: KillTable) -> None:
    """With no deviation on, every non-fuzz suite test and every test a selection names passes."""
    clean = kill_table.clean_run
    assert clean.clean, f"the suites do not pass against the unmodified mock (exit {clean.exit_code})\n{_detail(clean)}"


@pytest.mark.parametrize("deviation", sorted(DEVIATIONS))
def test_deviation_is_caught_under_a_requirement_it_breaks(kill_table: KillTable, deviation: str) -> None:
    """With the deviation on, a selected suite test fails under a requirement the deviation declares (a failure under
    another requirement, e.g. the endpoint's schema, does not count); a deviation of rules the docs leave unstated
    (basis observed or inferred) must instead draw a new warning under one of them."""
    run = _run(kill_table, deviation)
    warned = "".join(f"\nwarning only: {note.cite()}" for note in kill_table.new_warnings(run))
    assert kill_table.caught(run), (
        f"no suite test failed under {DEVIATIONS[deviation].breaks} with {deviation} "
        f"({DEVIATIONS[deviation].what}); selection -k {run.selection!r}{warned}\n{_detail(run)}"
    )


@pytest.mark.parametrize("reading", sorted(READINGS))
def test_a_documented_reading_warns_and_never_fails(kill_table: KillTable, reading: str) -> None:
    """An answer an erratum tolerates (or the docs allow) draws no failure, and a warning where the reading says."""
    run = _run(kill_table, reading)
    assert kill_table.caught(run), f"{reading} ({READINGS[reading].what}) was misjudged\n{_detail(run)}"


def test_a_multi_line_finding_is_cited_on_one_line() -> None:
    """A fuzz finding goes on with its reproducer: the table row cites its first line only (Markdown stays a table)."""
    note = Note("conformance/suites/test_fuzz.py::test_stateful[signin]", "[R-X] accepted | a\n  reproduce: curl")
    assert note.cite() == "`test_fuzz.py::test_stateful[signin]`: [R-X] accepted \\| a"
