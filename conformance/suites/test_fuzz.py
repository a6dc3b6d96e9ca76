"""Schemathesis fuzzing driven by specs/native-auth.openapi.yaml, against the session's target (issue #5).

Budgets and options: `conformance/fuzz/options.py` (`--fuzz-examples`, `--fuzz-scenarios`, `--fuzz-steps`,
`--fuzz-max-time`, `--fuzz-max-requests`, `--fuzz-seed`); a target other than the embedded mock is only fuzzed with
`--fuzz-real-target`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.contract import openapi
from conformance.fuzz import loading, stateful, stateless
from conformance.fuzz.options import BUDGET, STOPPED_PROPERTY
from conformance.fuzz.run import EMBEDDED_TARGETS, FuzzRun
from conformance.target import Target
from conformance.verdicts import Verdict

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="session")
def fuzz_run(target: Target, pytestconfig: pytest.Config) -> Iterator[FuzzRun]:
    """The session's fuzz run; a real tenant needs --fuzz-real-target (mock deviations: the plugin's --mock-deviation)."""
    if target.label not in EMBEDDED_TARGETS and not pytestconfig.getoption("--fuzz-real-target"):
        pytest.skip(f"fuzzing sends malformed requests: pass --fuzz-real-target to fuzz {target.profile.name!r}")
    # Workers of this session's xdist run share a real target's budget and pace (an inherited
    # PYTEST_XDIST_WORKER_COUNT may belong to an outer run); each worker fuzzes a mock of its own with the whole budget,
    # so a test sends the same cases however the tests are spread.
    shared = target.label not in EMBEDDED_TARGETS
    workers = int(getattr(pytestconfig, "workerinput", {}).get("workercount", 1)) if shared else 1
    run = FuzzRun.open(target, pytestconfig.stash[BUDGET], workers=workers)
    yield run
    run.close()


def _recorder(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Adds a user property to the test's report (`record_property` would warn under junit_family xunit2)."""
    return lambda name, value: request.node.user_properties.append((name, value))


@pytest.mark.parametrize(
    "operation_id",
    [pytest.param(op.operation_id, marks=pytest.mark.requirement(op.doc_tag), id=op.operation_id)
     for op in openapi.operations()],
)
def test_stateless(fuzz_run: FuzzRun, verdict: Verdict, request: pytest.FixtureRequest, operation_id: str) -> None:
    """Every operation answers its coverage-phase and random positive and negative requests as documented (no 5xx, documented statuses, bodies and error values; malformed data refused)."""
    record = _recorder(request)
    fuzz_run.begin()
    stopped = stateless.fuzz_operation(fuzz_run, operation_id)
    if stopped:
        record(STOPPED_PROPERTY, stopped)
    fuzz_run.conclude(verdict, record)


@pytest.mark.parametrize("flow", loading.FLOWS, ids=lambda flow: flow.name)
@pytest.mark.requirement("R-TOKEN-EVERY-STEP", "R-TOKEN-SINGLE-USE")
def test_stateful(fuzz_run: FuzzRun, verdict: Verdict, request: pytest.FixtureRequest, flow: loading.Flow) -> None:
    """Chains that follow the OpenAPI links from the flow's start to the token endpoint (E6) get documented answers, and no continuation token is accepted twice."""
    record = _recorder(request)
    fuzz_run.begin()
    stopped = stateful.fuzz_flow(fuzz_run, flow)
    if stopped:
        record(STOPPED_PROPERTY, stopped)
    fuzz_run.conclude(verdict, record)

