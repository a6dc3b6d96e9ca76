"""pytest plugin (entry point `conformance-fuzz`): the fuzz options and budget, and a summary at the end of a run."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from conformance.contract import openapi
from conformance.fuzz.budget import (
    DEFAULT_EXAMPLES,
    DEFAULT_MAX_TIME,
    DEFAULT_SCENARIOS,
    DEFAULT_SEED,
    DEFAULT_STEPS,
    FuzzBudget,
)

BUDGET = pytest.StashKey[FuzzBudget]()
CASES_PROPERTY = "fuzz_cases"
CHAINS_PROPERTY = "fuzz_chains"
DISAGREEMENT_PROPERTY = "fuzz_disagreement"
STOPPED_PROPERTY = "fuzz_stopped"
_SUMMARY: dict[str, Any] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance-fuzz", "schemathesis fuzzing (conformance/suites/test_fuzz.py)")
    group.addoption("--fuzz-examples", type=int, default=DEFAULT_EXAMPLES, metavar="N",
                    help=f"stateless cases per operation and generation mode (default {DEFAULT_EXAMPLES})")
    group.addoption("--fuzz-scenarios", type=int, default=DEFAULT_SCENARIOS, metavar="N",
                    help=f"stateful scenarios per flow (default {DEFAULT_SCENARIOS})")
    group.addoption("--fuzz-steps", type=int, default=DEFAULT_STEPS, metavar="N",
                    help=f"steps per stateful scenario (default {DEFAULT_STEPS})")
    group.addoption("--fuzz-max-time", type=float, default=DEFAULT_MAX_TIME, metavar="SECONDS",
                    help=f"stop sending after this long, whole fuzz run (default {DEFAULT_MAX_TIME:g})")
    group.addoption("--fuzz-max-requests", type=int, default=None, metavar="N",
                    help="never send more requests than this (default: what the examples and scenarios need)")
    group.addoption("--fuzz-seed", type=int, default=DEFAULT_SEED, metavar="N",
                    help=f"Hypothesis seed of every fuzz test (default {DEFAULT_SEED})")
    group.addoption("--fuzz-real-target", action="store_true",
                    help="allow fuzzing a target that is not the embedded mock (sends malformed requests to it)")


def budget_from(config: pytest.Config) -> FuzzBudget:
    """The budget the command line asks for; UsageError on a nonsensical value."""
    values = {
        "examples": config.getoption("--fuzz-examples"),
        "scenarios": config.getoption("--fuzz-scenarios"),
        "steps": config.getoption("--fuzz-steps"),
        "max_time": config.getoption("--fuzz-max-time"),
        "max_requests": config.getoption("--fuzz-max-requests"),
        "seed": config.getoption("--fuzz-seed"),
    }
    for name, value in values.items():
        if name != "seed" and value is not None and value < (0 if name == "max_requests" else 1):
            raise pytest.UsageError(f"--fuzz-{name.replace('_', '-')} must be positive, got {value}")
    return FuzzBudget(**values)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[BUDGET] = budget_from(config)
    _SUMMARY.update(cases={}, chains={}, disagreements=Counter(), stopped=Counter(), ran=False)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Tally what the fuzz tests report in their user properties (on the xdist controller too)."""
    if report.when != "call":
        return
    summary = _SUMMARY
    for name, value in report.user_properties:
        if name == CASES_PROPERTY:
            summary["ran"] = True
            for operation, modes in json.loads(value).items():
                tally = summary["cases"].setdefault(operation, Counter())
                tally.update(modes)
        elif name == CHAINS_PROPERTY:
            summary["ran"] = True
            for flow, counts in json.loads(value).items():
                summary["chains"].setdefault(flow, Counter()).update(counts)
        elif name == DISAGREEMENT_PROPERTY:
            summary["disagreements"][value] += 1
        elif name == STOPPED_PROPERTY:
            summary["stopped"][value] += 1


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    summary = _SUMMARY
    if not summary.get("ran"):
        return
    terminalreporter.section("conformance fuzzing")
    terminalreporter.write_line(config.stash[BUDGET].describe())
    for operation in sorted(summary["cases"]):
        modes = summary["cases"][operation]
        detail = ", ".join(f"{mode} {count}" for mode, count in sorted(modes.items()))
        terminalreporter.write_line(f"{operation}: {sum(modes.values())} cases ({detail})")
    for flow in sorted(summary["chains"]):
        counts = summary["chains"][flow]
        terminalreporter.write_line(
            f"stateful {flow}: {counts['started']} chains started, {counts['reached_token']} reached "
            f"{openapi.path_of('token')}, {counts['tokens_issued']} got security tokens"
        )
    for reason, count in sorted(summary["stopped"].items()):
        terminalreporter.write_line(f"{count} fuzz test(s) stopped early: {reason}", yellow=True)
    for text, count in sorted(summary["disagreements"].items()):
        terminalreporter.write_line(f"warning: schemathesis and the project's validators disagree ({count}x): {text}",
                                    yellow=True)
