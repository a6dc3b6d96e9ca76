"""The run's accounts: those whose sign-up completed, apart from those only attempted (conformance.target)."""

from __future__ import annotations

from conformance.client import NativeAuthClient
from conformance.steps import NativeAuthSteps
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Actor
from conformance.walker.signup import password_for, sign_up, signup_challenge


def _actor(target: Target, client: NativeAuthClient) -> Actor:
    app = target.profile.apps()[0]
    return Actor(NativeAuthSteps(client, app.client_id), target.otp, Verdict(), target.profile, app.tenant)


def test_a_completed_sign_up_is_created_and_an_abandoned_one_only_attempted(mock_target: Target, api):
    actor = _actor(mock_target, api)
    done = sign_up(actor, mock_target.new_address()).address
    abandoned = signup_challenge(actor, mock_target.new_address(), password=password_for(actor)).address
    assert done in mock_target.created and done in mock_target.attempted
    assert abandoned in mock_target.attempted and abandoned not in mock_target.created


def test_a_sign_up_completed_through_its_detours_is_created(mock_target: Target, api):
    actor = _actor(mock_target, api)
    outcome = sign_up(actor, mock_target.new_address(), password_at_start=False, attributes_at_start=False)
    assert [d.error for d in outcome.detours] == ["credential_required", "attributes_required"]
    assert outcome.address in mock_target.created


def test_a_refused_start_is_only_attempted(mock_target: Target, api):
    actor = _actor(mock_target, api)
    refused = mock_target.new_address()
    assert actor.steps.signup_start(refused, password="weak").status == 400
    assert refused in mock_target.attempted and refused not in mock_target.created
