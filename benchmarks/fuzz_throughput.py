"""Fuzz cases per second against the embedded mock: in-process (ASGI transport) vs over loopback HTTP (uvicorn).

    .venv/bin/python benchmarks/fuzz_throughput.py [--examples N] [--scenarios N]

Prints, per target, stateless cases (generation + request + every check) and stateful steps (link-driven chains with
OTP look-ups, token-reuse replays included) per second.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from conformance.fuzz import loading, stateful, stateless
from conformance.fuzz.budget import FuzzBudget
from conformance.fuzz.run import FuzzRun
from conformance.session import EMBEDDED, EMBEDDED_HTTP, open_target


@dataclass(frozen=True)
class Figure:
    """Cases and requests sent in some seconds."""

    cases: int
    requests: int
    seconds: float

    def __str__(self) -> str:
        return (f"{self.cases:5d} cases in {self.seconds:6.2f} s = {self.cases / self.seconds:7.1f} cases/s "
                f"({self.requests / self.seconds:7.1f} requests/s)")


def _cases(run: FuzzRun) -> int:
    return sum(sum(counts.values()) for counts in run.cases.values())


def measure(spec: str, budget: FuzzBudget) -> tuple[Figure, Figure]:
    """Stateless and stateful throughput against one target."""
    with open_target(spec) as target:
        run = FuzzRun.open(target, budget)
        try:
            run.begin()
            started, sent = time.perf_counter(), run.meter.sent
            for operation_id in loading.operation_ids():
                for mode in stateless.MODES:
                    stateless.fuzz_operation(run, operation_id, mode)
            flat = Figure(_cases(run), run.meter.sent - sent, time.perf_counter() - started)
            run.begin()
            started, sent = time.perf_counter(), run.meter.sent
            for flow in loading.FLOWS:
                stateful.fuzz_flow(run, flow)
            chains = Figure(_cases(run), run.meter.sent - sent, time.perf_counter() - started)
        finally:
            run.close()
    return flat, chains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20, help="stateless cases per operation and mode")
    parser.add_argument("--scenarios", type=int, default=8, help="stateful scenarios per flow")
    args = parser.parse_args()
    budget = FuzzBudget(examples=args.examples, scenarios=args.scenarios, max_requests=10**9, max_time=3600)
    print(f"fuzz throughput ({args.examples} cases per operation and mode, {args.scenarios} scenarios per flow)")
    for spec, label in ((EMBEDDED, "in-process (ASGI)"), (EMBEDDED_HTTP, "loopback HTTP (uvicorn)")):
        flat, chains = measure(spec, budget)
        print(f"  {label:24s} stateless: {flat}")
        print(f"  {'':24s} stateful:  {chains}")


if __name__ == "__main__":
    main()
