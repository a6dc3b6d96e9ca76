"""How much fuzzing a run may do: cases per operation, scenarios, total requests and time, pacing, seed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity

#: Defaults keep the project's own test run fast (the whole fuzz suite against the in-process mock in ~15 s).
DEFAULT_EXAMPLES = 15
DEFAULT_SCENARIOS = 8
DEFAULT_STEPS = 16
DEFAULT_MAX_TIME = 300.0
DEFAULT_SEED = 20260227
#: Operations fuzzed statelessly, generation modes per operation, flows run statefully.
OPERATIONS, MODES, FLOWS = 15, 2, 3
#: Extra requests a stateful step may cause: a replay of an accepted token, SSPR completion polls.
STEP_OVERHEAD = 3


class BudgetExhausted(Exception):
    """The run's request or time budget is spent; nothing more is sent."""


@dataclass(frozen=True, slots=True)
class FuzzBudget:
    """The limits of one fuzz run (see `conformance.fuzz.options` for the command-line options)."""

    examples: int = DEFAULT_EXAMPLES
    scenarios: int = DEFAULT_SCENARIOS
    steps: int = DEFAULT_STEPS
    max_time: float = DEFAULT_MAX_TIME
    max_requests: int | None = None
    seed: int = DEFAULT_SEED

    @property
    def request_cap(self) -> int:
        """The most requests the run may send: explicit, or what the examples, the coverage-phase cases, the
        scenarios and their near-miss probes need."""
        if self.max_requests is not None:
            return self.max_requests
        from conformance.fuzz import corpus  # it generates with QUIET_SETTINGS: imported when needed

        return self.request_floor + corpus.coverage_size()

    @property
    def request_floor(self) -> int:
        """The request cap but for the coverage-phase cases, which it takes generating them all to count."""
        if self.max_requests is not None:
            return self.max_requests
        from conformance.fuzz import nearmiss

        stateless = OPERATIONS * MODES * self.examples
        stateful = FLOWS * self.scenarios * self.steps * STEP_OVERHEAD + nearmiss.most()
        return stateless + stateful

    def describe(self) -> str:
        """One line for the report header."""
        return (
            f"fuzz budget: {self.examples} cases per operation and mode, {self.scenarios} scenarios x {self.steps} "
            f"steps per flow, at most {self.request_cap} requests and {self.max_time:g} s, seed {self.seed}"
        )


@dataclass(slots=True)
class Meter:
    """Counts requests against the budget and paces them (`requests_per_second = 0` means unpaced).

    Under pytest-xdist each of `workers` processes gets an equal share of the request cap and of the pace, so the
    target never sees more than the budget and the profile's pacing in total.
    """

    budget: FuzzBudget
    requests_per_second: float = 0.0
    workers: int = 1
    sent: int = 0
    started: float = field(default_factory=time.monotonic)
    _last: float = 0.0
    _hold_until: float = 0.0

    @property
    def cap(self) -> int:
        """This process's share of the request cap."""
        return self.budget.request_cap // max(self.workers, 1)

    @property
    def exhausted(self) -> str | None:
        """Why no further request may be sent, or None (the exact cap is only worked out near the floor)."""
        if self.sent >= self.budget.request_floor // max(self.workers, 1) and self.sent >= self.cap:
            return f"request budget of {self.cap} spent"
        if time.monotonic() - self.started >= self.budget.max_time:
            return f"time budget of {self.budget.max_time:g} s spent"
        return None

    def acquire(self) -> None:
        """Wait for the next paced slot and count one request; BudgetExhausted when none is left."""
        reason = self.exhausted
        if reason:
            raise BudgetExhausted(reason)
        now = time.monotonic()
        wait = self._hold_until - now
        if self.requests_per_second > 0:
            wait = max(wait, self._last + max(self.workers, 1) / self.requests_per_second - now)
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()
        self.sent += 1

    def hold(self, seconds: float) -> None:
        """Send nothing for `seconds` (a 429 with Retry-After)."""
        self._hold_until = max(self._hold_until, time.monotonic() + seconds)


#: Hypothesis settings every fuzz run shares: generation only, no database, no health checks, nothing printed.
QUIET_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "phases": [Phase.generate],
    "suppress_health_check": list(HealthCheck),
    "verbosity": Verbosity.quiet,
    "print_blob": False,
}
