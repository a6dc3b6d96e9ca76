"""Stateful steps draw their cases from the operations' stateless corpus, as copies of the flow's own operations."""

from __future__ import annotations

import hypothesis
from hypothesis import given
from schemathesis import Case, GenerationMode

from conformance.fuzz import corpus, loading, stateful
from conformance.fuzz.budget import QUIET_SETTINGS, FuzzBudget

BUDGET = FuzzBudget(examples=3, seed=7)
SIGNUP = next(flow for flow in loading.FLOWS if flow.name == "signup")


def drawn(strategy: object, examples: int = 12) -> list[Case]:
    cases: list[Case] = []

    @hypothesis.settings(max_examples=examples, **QUIET_SETTINGS)
    @given(case=strategy)
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases


def test_a_step_case_is_a_copy_of_a_drawn_case_of_its_operation() -> None:
    schema = stateful.pooled(loading.flow_schema(SIGNUP), BUDGET)
    operation = schema["/signup/v1.0/challenge"]["POST"]
    pool = corpus.pool("signupChallenge", GenerationMode.NEGATIVE, BUDGET.examples, BUDGET.seed)
    cases = drawn(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    assert cases and all(case.operation is operation for case in cases)
    assert all(case.body in [original.body for original in pool] for case in cases)
    assert {case.id for case in cases}.isdisjoint(original.id for original in pool)
    cases[0].body = {}
    assert all(original.body for original in pool)


def test_a_step_with_fixed_data_is_generated() -> None:
    schema = stateful.pooled(loading.flow_schema(SIGNUP), BUDGET)
    operation = schema["/signup/v1.0/challenge"]["POST"]
    fixed = {"client_id": "c", "continuation_token": "t", "challenge_type": "oob"}
    cases = drawn(operation.as_strategy(body=fixed), examples=2)
    assert cases and all(case.body == fixed for case in cases)
