"""Stateful steps draw their cases from the operations' stateless corpus, as copies of the flow's own operations."""

from __future__ import annotations

import httpx
import hypothesis
from fuzz_support import CLIENT_ID, error_body, fake_run
from hypothesis import given
from schemathesis import Case, GenerationMode

from conformance.contract.openapi import path_of
from conformance.fuzz import corpus, loading, shaping, stateful, store
from conformance.fuzz.budget import QUIET_SETTINGS, FuzzBudget
from conformance.fuzz.chains import Answer, Chain, ChainKeeper

BUDGET = FuzzBudget(examples=3, seed=7)
SIGNUP = next(flow for flow in loading.FLOWS if flow.name == "signup")


def label(operation: str) -> str:
    """schemathesis's name of an operation (`POST /signup/v1.0/start`)."""
    return f"POST {path_of(operation)}"


def drawn(strategy: object, examples: int = 12) -> list[Case]:
    cases: list[Case] = []

    @hypothesis.settings(max_examples=examples, derandomize=True, **QUIET_SETTINGS)
    @given(case=strategy)
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases


def test_a_step_case_is_a_copy_of_a_drawn_case_of_its_operation() -> None:
    schema = stateful.pooled(loading.flow_schema(SIGNUP), BUDGET)
    operation = schema[path_of("signupChallenge")]["POST"]
    pool = corpus.pool("signupChallenge", GenerationMode.NEGATIVE, BUDGET.examples, BUDGET.seed)
    cases = drawn(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    assert cases and all(case.operation is operation for case in cases)
    assert all(case.body in [original.body for original in pool] for case in cases)
    assert {case.id for case in cases}.isdisjoint(original.id for original in pool)
    cases[0].body = {}
    assert all(original.body for original in pool)


def test_a_positive_step_is_negative_at_schemathesis_rate_and_the_smallest_draw_positive() -> None:
    drawn_modes: dict[str, GenerationMode] = {}
    schema = stateful.pooled(loading.flow_schema(SIGNUP), BUDGET, drawn_modes)
    cases = drawn(schema[path_of("signupStart")]["POST"].as_strategy(generation_mode=GenerationMode.POSITIVE), 200)
    modes = [drawn_modes[case.id] for case in cases]
    assert modes[0] is GenerationMode.POSITIVE  # Hypothesis's first, smallest draw
    negative = modes.count(GenerationMode.NEGATIVE)
    assert 0 < negative < len(modes) / 4
    assert loading.schema().config.generation_for(phase="stateful").modes == [GenerationMode.POSITIVE]


def test_a_step_with_fixed_data_is_generated() -> None:
    schema = stateful.pooled(loading.flow_schema(SIGNUP), BUDGET)
    operation = schema[path_of("signupChallenge")]["POST"]
    fixed = {"client_id": "c", "continuation_token": "t", "challenge_type": "oob"}
    cases = drawn(operation.as_strategy(body=fixed), examples=2)
    assert cases and all(case.body == fixed for case in cases)


def test_a_link_is_offered_while_an_open_answer_is_one_it_applies_to() -> None:
    links = stateful.flow_links(SIGNUP)
    continued = links[(label("signupContinue"), 400)]
    targets = {link.target: link for link in continued}
    assert targets[label("signupChallenge")].applies({"error": "credential_required"})
    assert not targets[label("signupChallenge")].applies({"error": "attributes_required"})
    asked: list[tuple[str | None, str | None]] = []

    def followable(source: str | None, target: str | None) -> bool:
        asked.append((source, target))
        return source is not None

    machine = stateful.machine(fake_run(lambda request: httpx.Response(500), BUDGET), SIGNUP)
    control = stateful.ChainController(machine._transitions, machine._root_labels, 16, followable)
    assert control.allow_transition(label("signupContinue"), label("signupChallenge"))
    assert control.allow_root_transition(label("signupStart"), {})  # nothing can be followed: a new chain
    assert asked == [(label("signupContinue"), label("signupChallenge")), (None, None)]


def test_a_step_drawn_positive_is_rebuilt_when_a_link_literal_broke_its_form() -> None:
    """The link to the attributes step merges `grant_type=attributes` into a drawn `grant_type=oob` form, which then
    reads as negative; drawn positive, the chain still fills the step (attributes, token, client_id)."""
    run = fake_run(lambda request: httpx.Response(500), FuzzBudget())
    keeper = ChainKeeper(run.target, "signup", lambda *args: None)
    keeper.chains["parent"] = Chain("signup", "qa+1@example.com", CLIENT_ID)
    keeper.answers["parent"] = Answer("parent", "signupContinue", 400, error_body(
        "attributes_required", continuation_token="tok-2", required_attributes=[{"name": "city"}]), {})
    drawn = corpus.pool("signupContinue", GenerationMode.POSITIVE, 15, BUDGET.seed)
    merged = store.fresh(next(c for c in drawn if c.body.get("grant_type") == "oob"))
    merged.body = {**merged.body, "grant_type": "attributes"}  # schemathesis merging the link's literal
    assert not shaping.is_positive(merged)
    keeper.prepare(merged, "parent", entry=False, positive=True)
    assert shaping.is_positive(merged)
    documented = shaping.documented(merged)
    assert {name: value for name, value in merged.body.items() if name in documented} == {
        "client_id": CLIENT_ID, "continuation_token": "tok-2", "grant_type": "attributes",
        "attributes": '{"city": "Fuzz Tester"}',
    }
