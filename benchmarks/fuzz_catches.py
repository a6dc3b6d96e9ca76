"""What the fuzz tests alone catch: the fuzz suite against the embedded mock once per named deviation, and once clean.

    .venv/bin/python benchmarks/fuzz_catches.py [--jobs N] [FUZZ_OPTION ...]

Printed per deviation: whether a fuzz test (`test_stateless`, `test_stateful`) fails with a failure verdict, and
whether it fails under a requirement the deviation breaks (how the kill table, `conformance.killtable`, whose runner
this reuses, counts a catch). Extra arguments go to every run (e.g.
`--fuzz-examples 30`), so a budget or a generator change can be compared by what it finds, not only by its speed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

from conformance import killtable
from conformance.mock.deviations import DEVIATIONS

FUZZ_TESTS = "test_stateless or test_stateful"


def run_fuzz(deviation: str | None, extra: tuple[str, ...]) -> killtable.Run:
    """The fuzz tests once, with `deviation` switched on (None: none)."""
    if extra:
        os.environ["PYTEST_ADDOPTS"] = " ".join(extra)
    return killtable.run_once(deviation, FUZZ_TESTS, killtable.EMBEDDED, False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: CPUs)")
    args, extra = parser.parse_known_args()
    plan: list[str | None] = [None, *DEVIATIONS]
    started = time.perf_counter()
    with ProcessPoolExecutor(
        args.jobs, mp_context=multiprocessing.get_context("spawn"), initializer=killtable._worker_setup
    ) as pool:
        runs = list(pool.map(run_fuzz, plan, [tuple(extra)] * len(plan)))
    clean, *deviated = runs
    print(f"fuzz catches ({' '.join(extra) or 'default budget'}; {time.perf_counter() - started:.0f} s wall)")
    state = "all pass" if clean.clean else f"NOT CLEAN: {[note.cite() for note in clean.failed + clean.errors]}"
    print(f"  (none): {state}, {clean.passed} passed")
    failed = under = 0
    for run in deviated:
        if not run.failed:
            print(f"  {run.deviation}: not caught" + (f" (errors: {run.errors[0].cite()})" if run.errors else ""))
            continue
        failed += 1
        breaking = run.failed_under(DEVIATIONS[str(run.deviation)])
        under += bool(breaking)
        requirements = ", ".join(sorted({note.requirement for note in run.failed}))
        where = "under the requirement it breaks" if breaking else "only under other requirements"
        tests = len({note.nodeid for note in run.failed})
        print(f"  {run.deviation}: {tests} fuzz test(s) fail, {where} ({requirements})")
    print(f"{failed}/{len(deviated)} deviations make a fuzz test fail, {under} under a requirement they break "
          "(the kill table's count)")

if __name__ == "__main__":
    main()
