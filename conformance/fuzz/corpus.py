"""The stateless cases of one operation, all generated before the first is sent.

Two generators, both schemathesis's:

- the **coverage phase**: deterministic boundary cases from the schemas, positive (every optional field, near-boundary
  lengths, an extra field) and negative (each constraint broken once, each required field left out, a wrong type for
  each header, other HTTP methods and media types). Cheap to make, and what turns a constraint the target does not
  enforce into a finding (e.g. a header pattern the API never states);
- **Hypothesis**: `examples` random cases per generation mode, seeded per operation and mode.

Generating outside the request loop keeps Hypothesis's engine out of the timing of each request, and lets a spent
budget skip generation altogether. Generated corpora are kept on disk between runs (`store`): making them costs more
than sending them. The drawn cases of an operation are also the stateful chains' pool for its steps (`stateful`).
"""

from __future__ import annotations

import zlib
from functools import cache
from pathlib import Path

import hypothesis
from hypothesis import given
from schemathesis import Case, GenerationMode
from schemathesis.generation.case import adjust_urlencoded_payload
from schemathesis.generation.coverage import GenerationSession

from conformance.fuzz import loading
from conformance.fuzz.budget import QUIET_SETTINGS
from conformance.fuzz.store import Store, default_dir, fresh

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
_STORE = [Store(default_dir())]


def use_store(directory: Path | None) -> None:
    """Keep corpora in `directory` from now on (None: keep none, make every corpus)."""
    _STORE[0] = Store(directory)
    _coverage.cache_clear()
    pool.cache_clear()


def coverage(operation_id: str) -> list[Case]:
    """The operation's coverage-phase cases, positive then negative, the same in every run (fresh copies: shaping
    changes the cases it sends)."""
    return [fresh(case) for case in _coverage(operation_id)]


def coverage_size() -> int:
    """How many coverage-phase cases all operations have."""
    return sum(len(_coverage(operation_id)) for operation_id in loading.operation_ids())


@cache
def _coverage(operation_id: str) -> tuple[Case, ...]:
    operation = loading.operation(operation_id)
    return tuple(_STORE[0].get(f"{operation_id}.coverage", operation, lambda: _make_coverage(operation_id)))


def _make_coverage(operation_id: str) -> list[Case]:
    schema, operation = loading.schema(), loading.operation(operation_id)
    cases = list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=list(MODES),
            generation_config=schema.config.generation_for(operation=operation),
            session=GenerationSession(),  # its own: the schema's would offer other HTTP methods only once per path
        )
    )
    for case in cases:
        adjust_urlencoded_payload(case)
    return cases


def drawn(operation_id: str, mode: GenerationMode, examples: int, seed: int) -> list[Case]:
    """`examples` cases Hypothesis draws for the operation in one mode (seeded per operation and mode; fresh
    copies)."""
    return [fresh(case) for case in pool(operation_id, mode, examples, seed)]


@cache
def pool(operation_id: str, mode: GenerationMode, examples: int, seed: int) -> tuple[Case, ...]:
    """The drawn cases themselves (copy one with `store.fresh` before changing it)."""
    name = f"{operation_id}.{mode.value}.{examples}.{seed}"
    operation = loading.operation(operation_id)
    return tuple(_STORE[0].get(name, operation, lambda: _draw(operation_id, mode, examples, seed)))


def _draw(operation_id: str, mode: GenerationMode, examples: int, seed: int) -> list[Case]:
    strategy = loading.operation(operation_id).as_strategy(generation_mode=mode)
    cases: list[Case] = []

    @hypothesis.seed(seed + zlib.crc32(f"{operation_id}:{mode.value}".encode()))
    @hypothesis.settings(max_examples=examples, **QUIET_SETTINGS)
    @given(case=strategy)
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases


def cases(operation_id: str, examples: int, seed: int) -> list[Case]:
    """Every stateless case of the operation: coverage first, then the drawn positive and negative cases."""
    return [*coverage(operation_id), *(case for mode in MODES for case in drawn(operation_id, mode, examples, seed))]
