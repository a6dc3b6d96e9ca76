"""Routes to every step (conformance.walker.routes): through each kind of user flow the mock offers, every table tag
of specs/errors.yaml is reached with the request its step expects (which moves the flow on), or `Lacking` names the
feature the flow lacks before any request is sent."""

from __future__ import annotations

import pytest
from harness_support import MAIN_APP, OTP_APP, PASSWORD_APP, one_flow

from conformance.client import NativeAuthClient
from conformance.contract import errors, openapi
from conformance.steps import NativeAuthSteps
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Actor, Lacking, reach
from conformance.walker.routes import REACH
from conformance.walker.sspr import PENDING_POLL

MFA_STEPS = ("E7", "E8", "E9", "E10")
SSPR_STEPS = ("E11", "E12", "E13", "E14", "E15")
PASSWORD_STEPS = ("E3b", "E3b-attrs")
#: One user flow of the mock → the steps it cannot reach, each with the feature `Lacking` names.
LACKING = {
    # e-mail + password, MFA, SSPR, a required attribute: every step
    MAIN_APP: {},
    # e-mail + password, SSPR, a required attribute, no MFA
    PASSWORD_APP: dict.fromkeys(MFA_STEPS, "no user flow with MFA and e-mail + password sign-in"),
    # e-mail one-time passcode, a required attribute: no password, so no MFA (its walk signs in with one), no SSPR
    OTP_APP: {
        **dict.fromkeys(PASSWORD_STEPS, "e-mail + password sign-in"),
        **dict.fromkeys(MFA_STEPS, "no user flow with MFA and e-mail + password sign-in"),
        **dict.fromkeys(SSPR_STEPS, "no user flow with self-service password reset"),
    },
}
FLOWS = {MAIN_APP: "main", PASSWORD_APP: "password-basic", OTP_APP: "otp"}
#: The grant type a step's request carries, where its step takes one (E6: the flow's first factor).
GRANTS = {"E3a": "oob", "E3b": "password", "E3c": "attributes", "E13": "oob"}
FIRST_FACTOR = {MAIN_APP: "password", PASSWORD_APP: "password", OTP_APP: "oob"}


def test_every_table_of_the_error_tables_has_a_route():
    assert set(REACH) == set(errors.table().tables)


def _operation(tag: str) -> str:
    """The operation a table tag's step is sent to (`E3b-attrs` is E3b's table, `G-token` the token endpoint's)."""
    return openapi.operation(errors.table().tables[tag].endpoint).operation_id


@pytest.mark.parametrize("tag", list(REACH))
@pytest.mark.parametrize("client_id", list(FLOWS), ids=list(FLOWS.values()))
def test_each_step_is_reached_through_the_flow_or_lacking_names_the_feature(
    mock_target: Target, api: NativeAuthClient, client_id: str, tag: str
):
    target = one_flow(mock_target, client_id)
    verdict = Verdict()
    sent: list[str] = []
    api.set_recorder(lambda exchange: sent.append(exchange.operation))

    def actor_for(app) -> Actor:
        return Actor(NativeAuthSteps(api, app.client_id), target.otp, verdict, target.profile, app.tenant)

    try:
        reached = reach(actor_for, target, tag)
    except Lacking as lacking:
        assert tag in LACKING[client_id], f"{tag} not reached: {lacking.reason}"
        assert LACKING[client_id][tag] in lacking.reason
        assert lacking.reason.startswith("target profile: ")
        assert not sent, "requests were sent before Lacking"
        return
    finally:
        api.set_recorder(None)
    assert tag not in LACKING[client_id], f"{tag} reached, though the flow lacks what it needs"
    assert (reached.step, reached.operation) == (tag.removesuffix("-attrs").replace("G-token", "E6"), _operation(tag))
    assert reached.form["client_id"] == client_id
    step = reached.step
    if step in GRANTS or step == "E6":
        assert reached.form["grant_type"] == GRANTS.get(step, FIRST_FACTOR[client_id])
    assert not verdict.failures, verdict.failures
    answer = reached.send()
    expected = (400, "attributes_required") if tag == "E3b-attrs" else (200, None)  # E3b-attrs: left them out
    assert (answer.status, answer.error) == expected, f"{tag}: HTTP {answer.status} {answer.error} {answer.suberror}"
    pending = answer.json.get("status") in PENDING_POLL  # E15 is polled again with the same token (ERR-71)
    assert answer.continuation_token or step == "E6" or pending, f"{tag}: the step's answer hands out no token"
