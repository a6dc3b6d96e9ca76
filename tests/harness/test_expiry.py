"""Expiry probes on a target without clock control (conformance.expiry): without --slow a probe skips, for what the
tenant lacks when it lacks it (found by a dry walk that sends nothing), else for --slow."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from harness_support import OTP_APP

from conformance import expiry
from conformance.client import NativeAuthClient
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Lacking, reach


def _no_clock(target: Target) -> Target:
    """The embedded mock described as a one-flow tenant (its e-mail OTP app only) without a control API."""
    app = next(app for app in target.profile.apps() if app.client_id == OTP_APP)
    profile = dataclasses.replace(
        target.profile, client_id=app.client_id, tenant=app.tenant, applications=(), control_url=None
    )
    return dataclasses.replace(target, profile=profile)


def _expired(target: Target, api: NativeAuthClient, step: str):
    prepare = lambda kit: reach(kit.actor_for, kit.target, step)  # noqa: E731
    node = SimpleNamespace(get_closest_marker=lambda name: pytest.mark.expiry("otp", prepare=prepare).mark)
    kit = expiry.Kit(target, api, Verdict(), slow=False)
    return expiry.expired(SimpleNamespace(node=node), kit, [], expiry.Batch(target, api, []))


def test_a_probe_the_tenant_can_reach_needs_slow_and_sends_nothing(mock_target: Target, api: NativeAuthClient):
    target = _no_clock(mock_target)
    observed: list[object] = []
    api.observers.append(lambda request, response: observed.append(request))
    with pytest.raises(pytest.skip.Exception, match=r"^needs --slow: the run waits once, \d+ s"):
        _expired(target, api, "E3a")()
    assert observed == []


def test_a_probe_the_tenant_cannot_reach_skips_for_the_feature(mock_target: Target, api: NativeAuthClient):
    with pytest.raises(Lacking, match="self-service password reset"):
        _expired(_no_clock(mock_target), api, "E13")()
