"""The suites prove they can fail (issue 4 item 8): every named mock deviation makes a suite test fail with a failure
verdict, and with no deviation every suite test passes. The whole-suite table: `python -m conformance.killtable --full`.
"""

from __future__ import annotations

import pytest

from conformance.killtable import KillTable, Run
from conformance.mock.deviations import CAUGHT_BY, DEVIATIONS


def _run(table: KillTable, deviation: str) -> Run:
    return next(run for run in table.runs if run.deviation == deviation)


def _detail(run: Run) -> str:
    notes = [*(f"errored: {note.cite()}" for note in run.errors), *(f"failed: {note.cite()}" for note in run.failed)]
    return "\n".join([*notes, "--- pytest output (tail) ---", run.output])


def test_every_deviation_names_the_tests_that_catch_it() -> None:
    """The fast table's selection is data beside the deviations: one `-k` expression per deviation, no stale entry."""
    assert sorted(CAUGHT_BY) == sorted(DEVIATIONS)
    assert all(expression.strip() for expression in CAUGHT_BY.values())


def test_suites_pass_with_no_deviation(kill_table: KillTable) -> None:
    """With no deviation on, every non-fuzz suite test and every test a selection names passes."""
    clean = kill_table.clean_run
    assert clean.clean, f"the suites do not pass against the unmodified mock (exit {clean.exit_code})\n{_detail(clean)}"


@pytest.mark.parametrize("deviation", sorted(DEVIATIONS))
def test_deviation_is_caught(kill_table: KillTable, deviation: str) -> None:
    """With the deviation on, a selected suite test fails with a failure verdict (not a harness error); a deviation of
    a rule the docs leave unstated (`WARNED_UNDER`) must instead draw a new warning under that rule."""
    run = _run(kill_table, deviation)
    warned = "".join(f"\nwarning only: {note.cite()}" for note in kill_table.new_warnings(run))
    assert kill_table.caught(run), (
        f"no suite test caught {deviation} ({DEVIATIONS[deviation]}); selection -k {run.selection!r}{warned}\n"
        f"{_detail(run)}"
    )
