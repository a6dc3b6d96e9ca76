"""Stateless fuzzing: each operation with positive and negative form bodies, one Hypothesis run per mode."""

from __future__ import annotations

import zlib

import httpx
import hypothesis
from hypothesis import given
from schemathesis import Case, GenerationMode

from conformance.fuzz import loading, shaping
from conformance.fuzz.budget import QUIET_SETTINGS, BudgetExhausted
from conformance.fuzz.run import FuzzRun

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def fuzz_operation(run: FuzzRun, operation_id: str, mode: GenerationMode) -> str | None:
    """Send up to `budget.examples` cases of one operation in one mode; the reason it stopped early, if it did."""
    strategy = loading.operation(operation_id).as_strategy(generation_mode=mode)
    stopped: list[str] = []
    broken: list[Exception] = []

    @hypothesis.seed(run.budget.seed + zlib.crc32(f"{operation_id}:{mode.value}".encode()))
    @hypothesis.settings(
        max_examples=run.budget.examples,
        **QUIET_SETTINGS,
    )
    @given(case=strategy)
    def fuzz(case: Case) -> None:
        if stopped or broken:
            return
        shaping.stateless(case, run.target)
        label = "positive" if shaping.is_positive(case) else "negative"
        try:
            run.execute(case, label)
        except BudgetExhausted as exc:
            stopped.append(str(exc))
        except httpx.TransportError as exc:  # already reported as a finding by `execute`
            stopped.append(f"the target stopped answering: {type(exc).__name__}")
        except Exception as exc:  # a harness bug: raised below, outside Hypothesis, which would print the raw case
            broken.append(exc)

    fuzz()
    if broken:
        raise broken[0]
    return stopped[0] if stopped else None
