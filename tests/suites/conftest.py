"""The kill table of the mock's named deviations, built once per test session and shown in the terminal summary."""

from __future__ import annotations

from typing import Any

import pytest

from conformance import killtable
from conformance.contract.paths import REPO_ROOT

KILL_TABLE_MD = REPO_ROOT / killtable.DEFAULT_OUT
SHOWN = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def kill_table(pytestconfig: pytest.Config) -> killtable.KillTable:
    """The fast kill table (per switch, its caught_by tests until caught), written to reports/.

    Built over real HTTP (`mock-http`: uvicorn on a loopback port), so its clean run also drives every flow and every
    triggerable error row of the suites through the served mock, validating each answer against `schemas/`."""
    table = killtable.build(jobs=2, target="mock-http")
    killtable.write(table, KILL_TABLE_MD)
    pytestconfig.stash[SHOWN] = killtable.render(table)
    return table


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if text := config.stash.get(SHOWN, None):
        terminalreporter.section("deviation kill table")
        terminalreporter.write(text)
        terminalreporter.write_line(f"written to {KILL_TABLE_MD}")
