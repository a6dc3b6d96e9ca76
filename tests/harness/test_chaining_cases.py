"""The chaining suite's cases (conformance.chaining.cases): which producing step feeds which consuming step, which
kinds of token each case is probed with, and which cases a tenant lacking a feature cannot run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness_support import MAIN_APP, OTP_APP, PASSWORD_APP, one_flow

from conformance.chaining import cases, recipes
from conformance.chaining.chain import Chain
from conformance.client import NativeAuthClient
from conformance.contract import openapi
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Lacking

#: Every case: consuming step (its id) ← the step whose answer hands out its token (api-reference.md §2.1).
FED_BY = {
    "E2 /signup/v1.0/challenge": "E1",
    "E2 /signup/v1.0/challenge after E3a credential_required": "E3",
    "E3a /signup/v1.0/continue": "E2",
    "E3b /signup/v1.0/continue": "E2",
    "E3c /signup/v1.0/continue": "E3",
    "E5 /oauth2/v2.0/challenge": "E4",
    "E5 /oauth2/v2.0/challenge after E7": "E7",
    "E6 /oauth2/v2.0/token grant_type=continuation_token after E3": "E3",
    "E6 /oauth2/v2.0/token grant_type=password": "E5",
    "E6 /oauth2/v2.0/token grant_type=oob": "E5",
    "E6 /oauth2/v2.0/token grant_type=mfa_oob": "E5",
    "E6 /oauth2/v2.0/token grant_type=continuation_token after E10": "E10",
    "E6 /oauth2/v2.0/token grant_type=continuation_token after E15": "E15",
    "E7 /oauth2/v2.0/introspect": "E6",
    "E8 /register/v1.0/introspect": "E6",
    "E9 /register/v1.0/challenge": "E8",
    "E10 /register/v1.0/continue": "E9",
    "E12 /resetpassword/v1.0/challenge": "E11",
    "E13 /resetpassword/v1.0/continue": "E12",
    "E14 /resetpassword/v1.0/submit": "E13",
    "E15 /resetpassword/v1.0/poll_completion": "E14",
}
#: The cases whose token a start step (E1, E4, E11) hands out: no earlier step's token exists for them.
FED_BY_START = {case for case, producer in FED_BY.items() if producer in ("E1", "E4", "E11")}
#: The cases at a step that takes a grant type (E3, E6, E10, E13): only they are probed with another grant type.
TAKING_A_GRANT = {case for case in FED_BY if case.split()[0] in ("E3a", "E3b", "E3c", "E6", "E10", "E13")}

MFA_CASES = {
    "E5 /oauth2/v2.0/challenge after E7",
    "E6 /oauth2/v2.0/token grant_type=mfa_oob",
    "E6 /oauth2/v2.0/token grant_type=continuation_token after E10",
    "E7 /oauth2/v2.0/introspect",
    "E8 /register/v1.0/introspect",
    "E9 /register/v1.0/challenge",
    "E10 /register/v1.0/continue",
}
SSPR_CASES = {
    "E12 /resetpassword/v1.0/challenge",
    "E13 /resetpassword/v1.0/continue",
    "E14 /resetpassword/v1.0/submit",
    "E15 /resetpassword/v1.0/poll_completion",
}
PASSWORD_ONLY = {
    "E2 /signup/v1.0/challenge after E3a credential_required",
    "E3b /signup/v1.0/continue",
    "E6 /oauth2/v2.0/token grant_type=password",
}
OTP_ONLY = "E6 /oauth2/v2.0/token grant_type=oob"
AFTER_RESET = "E6 /oauth2/v2.0/token grant_type=continuation_token after E15"
#: One user flow of the mock → the cases it cannot run (and the feature each skip names).
DROPPED = {
    # e-mail + password, MFA, SSPR: no e-mail OTP, and no flow that resets a password without the MFA detour
    MAIN_APP: {OTP_ONLY: "e-mail one-time-passcode sign-in", AFTER_RESET: "sign-in without MFA"},
    # e-mail + password, SSPR, no MFA
    PASSWORD_APP: {OTP_ONLY: "e-mail one-time-passcode sign-in", **dict.fromkeys(MFA_CASES, "MFA")},
    # e-mail OTP only: no password, no MFA, no SSPR
    OTP_APP: {
        **dict.fromkeys(PASSWORD_ONLY, "e-mail + password sign-in"),
        **dict.fromkeys(MFA_CASES, "MFA"),
        **dict.fromkeys(SSPR_CASES | {AFTER_RESET}, "self-service password reset"),
    },
}


def _tag(operation: str) -> str:
    return openapi.operation(operation).doc_tag


def test_every_link_feeds_its_consuming_step_once_per_grant():
    assert {case.id: _tag(case.fed_by) for case in cases.cases()} == FED_BY


def test_case_ids_are_unique_and_in_document_order():
    found = cases.cases()
    order = [op.operation_id for op in openapi.operations()]
    assert len({case.id for case in found}) == len(found)
    assert [order.index(case.operation) for case in found] == sorted(order.index(case.operation) for case in found)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("right", set(FED_BY)),
        ("reused", set(FED_BY)),
        ("tampered", set(FED_BY)),
        ("truncated", set(FED_BY)),
        ("earlier_step", set(FED_BY) - FED_BY_START),
        ("other_flow", set(FED_BY)),
        ("other_client", set(FED_BY)),
        ("other_grant", TAKING_A_GRANT),
        ("expired", set(FED_BY)),
    ],
)
def test_each_kind_of_token_is_presented_where_it_can_exist(kind: str, expected: set[str]):
    assert {case.id for case in cases.of_kind(kind)} == expected


def test_every_kind_of_token_the_suite_presents_is_enumerated():
    assert set(cases.TOKEN_KINDS) == {
        "right", "reused", "tampered", "truncated", "earlier_step", "other_flow", "other_client", "other_grant",
        "expired",
    }


@pytest.fixture
def no_sspr_poll_recipe(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The recipes without the one reaching E15 (and the case table built afresh, before and after)."""
    monkeypatch.delitem(recipes.RECIPES, ("ssprSubmit", "SsprPollCompletion"))
    cases.cases.cache_clear()
    yield
    cases.cases.cache_clear()


@pytest.mark.usefixtures("no_sspr_poll_recipe")
def test_a_link_without_a_recipe_still_yields_its_case_which_skips_naming_the_link(mock_target: Target,
                                                                                  api: NativeAuthClient):
    case = next(case for case in cases.cases() if case.step == "E15")
    assert case.id == "E15 /resetpassword/v1.0/poll_completion after ssprSubmit"
    with pytest.raises(pytest.skip.Exception, match="no reach recipe for the link ssprSubmit → SsprPollCompletion"):
        case.reach(Chain(mock_target, api, Verdict()))


@pytest.mark.parametrize("client_id", list(DROPPED), ids=["main", "password-basic", "otp"])
def test_a_tenant_lacking_a_feature_drops_exactly_the_cases_that_need_it(mock_target: Target, api: NativeAuthClient,
                                                                         client_id: str):
    """Against the mock cut down to one user flow, every case either reaches its step (the request that step
    expects) or is ruled out, before any request, by `Lacking` naming the feature its walk needs."""
    target = one_flow(mock_target, client_id)
    dropped: dict[str, str] = {}
    for case in cases.cases():
        chain = Chain(target, api, Verdict())
        try:
            reached = case.reach(chain)
        except Lacking as lacking:
            assert not chain.ledger.entries, f"{case.id}: requests were sent before Lacking"
            dropped[case.id] = lacking.reason
            continue
        assert (reached.step, reached.operation) == (case.step, case.operation), case.id
        if case.grant_type and case.step == "E6":
            assert reached.form["grant_type"] == case.grant_type, case.id
        assert not chain.verdict.failures, f"{case.id}: {chain.verdict.failures}"
    assert set(dropped) == set(DROPPED[client_id])
    for case_id, feature in DROPPED[client_id].items():
        assert dropped[case_id].startswith("target profile: no user flow with"), dropped[case_id]
        assert feature in dropped[case_id], (case_id, dropped[case_id])
