"""Fuzz cases per second against the embedded mock, at the default budget: in one process and spread over workers.

    .venv/bin/python benchmarks/fuzz_throughput.py [--examples N] [--scenarios N] [--jobs N] [--http]

A case is one request the fuzzer sent and judged with every check (generated, a near-miss probe or an SSPR poll; a
token replay counts as a request only), as the run summary counts them. Printed, in one process: the stateless cases
(coverage phase and Hypothesis), the stateful steps (link-driven chains with OTP look-ups and near-miss probes) and
the whole fuzz run, first **cold** (an empty corpus cache: every corpus generated, as on a machine's first run) then
**warm** (the corpora read from the cache the cold run filled, as on every later run); then the whole run spread over
`--jobs` worker processes as `conformance run` spreads the fuzz tests (each worker its own in-process mock, the warm
cache; worker start-up included). Cases per CPU-second (this process's CPU, all threads) says what the code costs
whatever else the machine runs; wall-clock figures depend on the load, printed with each figure (1-minute average).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conformance.fuzz import corpus, loading, stateful, stateless
from conformance.fuzz.budget import DEFAULT_EXAMPLES, DEFAULT_SCENARIOS, FuzzBudget
from conformance.fuzz.run import FuzzRun
from conformance.target import EMBEDDED, EMBEDDED_HTTP, open_target


@dataclass(frozen=True)
class Figure:
    """Cases and requests sent in some seconds of wall clock and of CPU."""

    cases: int
    requests: int
    seconds: float
    cpu: float

    def __add__(self, other: Figure) -> Figure:
        return Figure(self.cases + other.cases, self.requests + other.requests, self.seconds + other.seconds,
                      self.cpu + other.cpu)

    def __str__(self) -> str:
        per_cpu = f"{self.cases / self.cpu:6.1f} cases per CPU-second" if self.cpu else "CPU in the workers"
        return (f"{self.cases:5d} cases in {self.seconds:6.2f} s = {self.cases / self.seconds:6.1f} cases/s "
                f"({self.requests / self.seconds:6.1f} requests/s; {per_cpu}; load {os.getloadavg()[0]:.1f})")


def _cases(run: FuzzRun) -> int:
    return sum(sum(counts.values()) for counts in run.cases.values())


def _fuzz_unit(run: FuzzRun, unit: str) -> int:
    """Fuzz one unit (`op:<operationId>` or `flow:<name>`) with the run; the cases it sent."""
    kind, name = unit.split(":", 1)
    run.begin()
    if kind == "op":
        stateless.fuzz_operation(run, name)
    else:
        stateful.fuzz_flow(run, next(flow for flow in loading.FLOWS if flow.name == name))
    return _cases(run)


def fuzz(spec: str, budget: FuzzBudget, units: list[str]) -> Figure:
    """Fuzz the units in this process against a fresh target."""
    with open_target(spec) as target:
        run = FuzzRun.open(target, budget)
        try:
            started, cpu = time.perf_counter(), time.process_time()
            cases = sum(_fuzz_unit(run, unit) for unit in units)
            return Figure(cases, run.meter.sent, time.perf_counter() - started, time.process_time() - cpu)
        finally:
            run.close()


_WORKER: list[FuzzRun] = []  # a worker process's run, against its own mock


def _open_worker(spec: str, budget: FuzzBudget, cache: str) -> None:
    corpus.use_store(Path(cache))
    stack = contextlib.ExitStack()
    _WORKER.append(FuzzRun.open(stack.enter_context(open_target(spec)), budget))
    atexit.register(stack.close)


def _worker_unit(unit: str) -> tuple[int, int]:
    run = _WORKER[0]
    sent = run.meter.sent
    return _fuzz_unit(run, unit), run.meter.sent - sent


def spread(spec: str, budget: FuzzBudget, units: list[str], jobs: int, cache: str) -> Figure:
    """The units over `jobs` spawned worker processes, each taking the next unit when it is free, as pytest-xdist's
    worksteal does (worker start-up included)."""
    started = time.perf_counter()
    with ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_open_worker,
        initargs=(spec, budget, cache),
    ) as pool:
        done = list(pool.map(_worker_unit, units))
    seconds = time.perf_counter() - started
    return Figure(sum(cases for cases, _ in done), sum(sent for _, sent in done), seconds, 0.0)


def one_process(spec: str, label: str, budget: FuzzBudget, operations: list[str], flows: list[str]) -> None:
    """Stateless, stateful and the whole run in this process (stateful after stateless, as in a serial run: its steps
    draw from the corpora the stateless cases made or read)."""
    first = fuzz(spec, budget, operations)
    second = fuzz(spec, budget, flows)
    print(f"  {label}  stateless: {first}")
    print(f"  {'':{len(label)}}  stateful:  {second}")
    print(f"  {'':{len(label)}}  all:       {first + second}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES, help="Hypothesis cases per operation, mode")
    parser.add_argument("--scenarios", type=int, default=DEFAULT_SCENARIOS, help="stateful scenarios per flow")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="worker processes")
    parser.add_argument("--http", action="store_true", help="also over loopback HTTP (uvicorn), one process, warm")
    args = parser.parse_args()
    budget = FuzzBudget(examples=args.examples, scenarios=args.scenarios, max_requests=10**9, max_time=3600)
    operations = [f"op:{op}" for op in loading.operation_ids()]
    flows = [f"flow:{flow.name}" for flow in loading.FLOWS]
    print(f"fuzz throughput ({args.examples} Hypothesis cases per operation and mode, {args.scenarios} scenarios per "
          f"flow; {os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="fuzz-corpus-") as cache:
        for state in ("cold", "warm"):
            corpus.use_store(Path(cache))  # also forgets the corpora this process holds
            one_process(EMBEDDED, f"in-process (ASGI), 1 process, {state}", budget, operations, flows)
        if args.http:
            one_process(EMBEDDED_HTTP, "loopback HTTP, 1 process, warm   ", budget, operations, flows)
        figure = spread(EMBEDDED, budget, flows + operations, args.jobs, cache)
        print(f"  in-process (ASGI), {args.jobs} workers, warm  all:       {figure}")


if __name__ == "__main__":
    main()
