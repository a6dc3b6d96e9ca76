"""Stateless fuzzing: each operation's corpus (`corpus`: coverage phase and Hypothesis) sent case by case."""

from __future__ import annotations

import httpx

from conformance.fuzz import corpus, shaping
from conformance.fuzz.budget import BudgetExhausted
from conformance.fuzz.run import FuzzRun


def fuzz_operation(run: FuzzRun, operation_id: str) -> str | None:
    """Send the operation's stateless cases within the budget; the reason it stopped early, if it did."""
    if run.meter.exhausted:
        return run.meter.exhausted
    for case in corpus.cases(operation_id, run.budget.examples, run.budget.seed):
        shaping.stateless(case, run.target)
        label = "positive" if shaping.is_positive(case) else "negative"
        try:
            run.execute(case, label)
        except BudgetExhausted as exc:
            return str(exc)
        except httpx.TransportError as exc:  # already reported as a finding by `execute`
            return f"the target stopped answering: {type(exc).__name__}"
    return None
