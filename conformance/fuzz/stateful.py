"""Stateful fuzzing: schemathesis's link-driven state machine, one per flow, sending through the fuzz run.

Each flow's machine is built from the schema restricted to the flow's operations, so its rules are the OpenAPI links
(the continuation-token chain, carried in `requestBody` link expressions). Only the flow's entry operation may start a
chain: schemathesis would also start chains at every linked operation with random continuation tokens, which the
stateless phase already covers. `before_call` prepares each step (`chains.ChainKeeper`), `call` sends it through the
target's transport and checks it (`run.FuzzRun.execute`); failures are collected, never raised inside Hypothesis, so
its output never prints an unredacted case.

A step's case is drawn from the operation's stateless corpus (`corpus.pool`: the cases Hypothesis drew for that
operation and mode), not generated anew: generating costs more than sending and judging, and a live step rebuilds
most of what it sends from its chain anyway (token, OTP, password, attributes). Hypothesis still picks which case,
and whether positive or negative, so scenarios stay seeded; the link values are merged into the picked case as before.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, Response
from schemathesis.core import NOT_SET
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.generation.stateful.control import TransitionController
from schemathesis.generation.stateful.state_machine import normalize_name
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.stateful import NEGATIVE_TEST_CASES_THRESHOLD

from conformance.contract import openapi
from conformance.fuzz import corpus, loading, shaping, wire
from conformance.fuzz.budget import QUIET_SETTINGS, BudgetExhausted, FuzzBudget
from conformance.fuzz.chains import ChainKeeper
from conformance.fuzz.run import FuzzRun
from conformance.fuzz.store import fresh
from conformance.walker.sspr import PENDING_POLL

MAX_POLLS = 5
MAX_MISSES = 3  # steps along links that do not apply to an answer before it is given up
MAX_POLL_WAIT_S = 10.0
LABEL = "stateful"
UNSENT = 599  # the status of a step the budget did not let through


class ChainController(TransitionController):
    """Lets chains run their whole length, depth first, along the links that apply.

    schemathesis's default allows each link twice per scenario and keeps starting new chains, which ends a sign-up
    (eight linked steps, some links taken twice per chain) half-way. Here a link is offered only while an answer it
    applies to is open (`x-when`: the link to signupChallenge (E2) follows a `credential_required`, not an
    `attributes_required`), and a new chain starts only when no answer is left for a link to follow.
    """

    __slots__ = ("followable",)

    def __init__(
        self, transitions: Any, roots: Any, steps: int, followable: Callable[[str | None, str | None], bool]
    ) -> None:
        super().__init__(transitions, roots)
        self.max_operations_per_source = steps
        self.followable = followable  # (source label, target label), None for any: an open answer a link applies to

    def allow_root_transition(self, source: str, bundles: Any) -> bool:
        """The flow's entry starts a chain when no chain can go on."""
        return not self.followable(None, None)

    def allow_transition(self, source: str, target: str) -> bool:
        """A link from `source` to `target` while an open answer of `source` is one it applies to."""
        return super().allow_transition(source, target) and self.followable(source, target)


def pooled(schema: BaseSchema, budget: FuzzBudget, drawn: dict[str, GenerationMode] | None = None) -> BaseSchema:
    """The schema, its operations' cases drawn from their stateless corpus (where nothing is fixed but the body's link
    values, which schemathesis merges in after the draw); `drawn` receives the mode each case was drawn in, by id.

    schemathesis asks for positive steps only (`loading.config`): a positive step is negative at schemathesis's rate
    (`NEGATIVE_TEST_CASES_THRESHOLD` in 100), the smallest draw being positive. schemathesis's own mix makes the
    smallest draw negative, and Hypothesis draws smallest in its first scenario and the tails of its early ones: a
    third of the steps were negative and a flow's first scenario sent nothing but refused entry steps.
    """
    generate = schema.get_case_strategy
    modes = {} if drawn is None else drawn

    def picked(cases: tuple[Case, ...], index: int, operation: APIOperation, mode: GenerationMode) -> Case:
        case = fresh(cases[index % len(cases)], operation)
        modes[case.id] = mode
        return case

    def get_case_strategy(
        operation: APIOperation, hooks: Any = None, auth_storage: Any = None,
        generation_mode: GenerationMode = GenerationMode.POSITIVE, *args: Any, **kwargs: Any,
    ) -> st.SearchStrategy[Case]:
        fixed = kwargs.get("body", NOT_SET) is not NOT_SET or any(
            kwargs.get(name) is not None for name in ("path_parameters", "headers", "cookies", "query", "media_type")
        )
        operation_id = openapi.operation(operation.path).operation_id
        pools = {mode: corpus.pool(operation_id, mode, budget.examples, budget.seed) for mode in corpus.MODES}
        if fixed or not pools[generation_mode]:
            return generate(operation, hooks, auth_storage, generation_mode, *args, **kwargs)
        if generation_mode.is_negative or not pools[GenerationMode.NEGATIVE]:
            cases = pools[generation_mode]
            return st.integers(0, len(cases) - 1).map(lambda index: picked(cases, index, operation, generation_mode))

        def mixed(roll: int, index: int) -> Case:
            mode = GenerationMode.NEGATIVE if roll >= 100 - NEGATIVE_TEST_CASES_THRESHOLD else GenerationMode.POSITIVE
            return picked(pools[mode], index, operation, mode)

        return st.builds(mixed, st.integers(0, 99), st.integers(0, budget.examples - 1))

    schema.get_case_strategy = get_case_strategy  # type: ignore[method-assign]  # this schema object only
    return schema


def flow_links(flow: loading.Flow) -> dict[tuple[str, int], list[openapi.Link]]:
    """The spec's links between operations of the flow, by source label and status (targets as labels too)."""
    label = {op.operation_id: f"POST {op.path}" for op in openapi.operations()}
    found: dict[tuple[str, int], list[openapi.Link]] = {}
    for link in openapi.links():
        if link.source in flow.operations and link.target in flow.operations:
            found.setdefault((label[link.source], link.status), []).append(
                dataclasses.replace(link, source=label[link.source], target=label[link.target])
            )
    return found


def machine(run: FuzzRun, flow: loading.Flow) -> type:
    """The state machine of one flow, wired to the run."""
    drawn: dict[str, GenerationMode] = {}
    base: Any = pooled(loading.flow_schema(flow), run.budget, drawn).as_state_machine()
    links = flow_links(flow)
    entry_label = f"POST {openapi.operation(flow.entry).path}"
    entry_rule = normalize_name(f"RANDOM -> {entry_label}")

    class FlowMachine(base):  # type: ignore[misc, valid-type]
        root_rules = frozenset({entry_rule})
        _root_labels = frozenset({entry_label})

        def setup(self) -> None:
            self.keeper = ChainKeeper(run.target, flow.name, self._problem)
            self.followed: set[str] = set()
            self.misses: Counter[str] = Counter()
            self.control = ChainController(self._transitions, self._root_labels, run.budget.steps, self._followable)

        def _problem(self, case: Case, title: str, detail: str) -> None:
            run.report(case, None, "harness", title, detail, True)

        def _followable(self, source: str | None, target: str | None) -> bool:
            """Whether an open answer (of `source`) is one a link of the flow (to `target`) applies to."""
            for name in self.bundles:
                for reference in self.bundle(name):
                    output = self.names_to_values[reference.name]
                    label = output.case.operation.label
                    answer = self.keeper.answers.get(output.case.id)
                    if source not in (None, label) or answer is None:
                        continue
                    if any(link.applies(answer.body) for link in links.get((label, answer.status), ())
                           if target in (None, link.target)):
                        return True
            return False

        def bundle(self, name: str) -> Any:
            """Answers a link may still follow: each carries a continuation token no step has taken yet."""
            return [
                reference
                for reference in self.bundles.get(name, ())
                if _open_token(self.names_to_values[reference.name], self.followed)
            ]

        def before_call(self, case: Case) -> None:
            if run.meter.exhausted:
                return  # nothing will be sent: create no user, read no OTP
            node = self.recorder.cases.get(case.id)
            parent = node.parent_id if node is not None else None
            if parent is not None:
                applies = self.keeper.link_applies(node.transition, parent)
                self.misses[parent] += not applies
                if applies or self.misses[parent] >= MAX_MISSES:
                    self.followed.add(parent)
            mode = drawn.pop(case.id, None)
            self.keeper.prepare(case, parent, entry=parent is None, positive=None if mode is None else mode.is_positive)

        def call(self, case: Case, **kwargs: Any) -> Response:
            chain = self.keeper.chains.get(case.id)
            if chain is not None and chain.username and shaping.is_positive(case):
                run.probe_near_misses(case)
            try:
                response = run.execute(case, LABEL)
            except BudgetExhausted:
                return _unsent(case, run.base_url)
            response = self._complete_poll(case, response)
            node = self.recorder.cases.get(case.id)
            linked = node is not None and node.parent_id is not None
            sent = wire.form(response.request) or {}
            self.keeper.observe(case, response.status_code, wire.json_body(response), sent, linked=linked)
            return response

        def _complete_poll(self, case: Case, response: Response) -> Response:
            """SSPR: poll again with E14's token (as the client libraries do, ERR-71), every `poll_interval`
            (the documented protocol), while the reset is pending."""
            chain = self.keeper.chains.get(case.id)
            body = wire.json_body(response)
            polls, wait = 0, run.target.waiter()
            while (
                chain is not None
                and chain.username
                and shaping.operation_id(case) == "ssprPollCompletion"
                and isinstance(case.body, dict)
                and response.status_code == 200
                and isinstance(body, dict)
                and body.get("status") in PENDING_POLL
                and polls < MAX_POLLS
            ):
                polls += 1
                crid = wait(min(chain.poll_interval, MAX_POLL_WAIT_S))
                again = case.derive()
                again.body = dict(case.body)
                if crid:  # the clock moved for this request id only, so other chains keep real time
                    again.headers = {**(case.headers or {}), "client-request-id": crid}
                try:
                    response = run.execute(again, LABEL)
                except BudgetExhausted:
                    break
                body = wire.json_body(response)
            return response

        def validate_response(self, response: Response, case: Case, *args: Any, **kwargs: Any) -> None:
            """Checks already ran in `call` (collected, not raised)."""

        def teardown(self) -> None:
            tally = run.chains.setdefault(flow.name, Counter())
            for chain in {id(c): c for c in self.keeper.chains.values() if c.username}.values():
                tally["started"] += chain.started
                tally["reached_token"] += chain.reached_token
                tally["tokens_issued"] += chain.tokens_issued
            super().teardown()

    for name in base.root_rules - {entry_rule}:
        setattr(FlowMachine, name, None)  # hide schemathesis's other chain starts
    FlowMachine.__name__ = FlowMachine.__qualname__ = f"Fuzz{flow.name.capitalize()}Machine"
    return FlowMachine


def _open_token(output: Any, followed: set[str]) -> bool:
    """Whether a step's answer hands out a continuation token that no later step has followed yet.

    A token is single-use, so following an answer twice only tests reuse, which `FuzzRun` probes on every accepted
    token; without this filter most link steps would draw an answer whose token was spent, and chains would rarely get
    past their second step.
    """
    if output.case.id in followed:
        return False
    body = wire.json_body(output.response)
    return isinstance(body, dict) and bool(body.get("continuation_token"))


def _unsent(case: Case, base_url: str) -> Response:
    """What a step gets once the budget is spent: nothing was sent, no link can follow (Hypothesis sees no error, so
    a spent budget never turns into a flaky or failing run)."""
    return Response(
        status_code=UNSENT,
        headers={},
        content=b"",
        request=wire.prepare(case, base_url),
        elapsed=0.0,
        message="not sent: fuzz budget spent",
        encoding="utf-8",
        http_version="1.1",
        verify=True,
    )


def fuzz_flow(run: FuzzRun, flow: loading.Flow) -> str | None:
    """Run a flow's scenarios within the budget; the reason it stopped early, if it did."""
    state_machine = machine(run, flow)
    state_machine._hypothesis_internal_use_seed = run.budget.seed + zlib.crc32(flow.name.encode())
    settings = hypothesis.settings(
        max_examples=run.budget.scenarios,
        stateful_step_count=run.budget.steps,
        **QUIET_SETTINGS,
    )
    if run.meter.exhausted:
        return run.meter.exhausted
    for operation_id in flow.operations:  # the steps' pools, made (or read) before the machine runs, not inside it
        for mode in corpus.MODES:
            corpus.pool(operation_id, mode, run.budget.examples, run.budget.seed)
    run_state_machine_as_test(state_machine, settings=settings)
    return run.meter.exhausted
