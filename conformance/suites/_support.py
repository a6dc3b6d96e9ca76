"""What a suite needs of the target: each test skips, with the profile's reason, when the tenant lacks a feature."""

from __future__ import annotations

import time
import uuid

import pytest

from conformance.session import Target
from conformance.walker.features import LACKING_PREFIX


def needs(condition: bool, reason: str) -> None:
    """Skip the calling test with `reason` unless `condition` holds for the target."""
    if not condition:
        pytest.skip(f"{LACKING_PREFIX}{reason}")


def after_token_lifetime(target: Target, *, slow: bool) -> str | None:
    """Let the continuation-token lifetime pass for the next request; returns the `client-request-id` to send it with.

    A target with clock control moves its clock for that request id only; any other target is waited out in real
    time, which only `--slow` allows (None is returned then). Skips when the profile gives no lifetime."""
    lifetime = target.profile.limits.continuation_token_lifetime_s
    if lifetime is None:
        pytest.skip("target profile: limits.continuation_token_lifetime_s is not set")
    crid = str(uuid.uuid4())
    # A clock-controlled target also covers time the test already moved for other request ids (SSPR polls),
    # which may have issued the token up to a minute "later".
    if target.advance_clock(lifetime + 60, client_request_id=crid):
        return crid
    if not slow:
        pytest.skip(f"waits {lifetime + 1} s for the token to expire: run with --slow")
    time.sleep(lifetime + 1)
    return None
