"""What a suite needs of the target: each test skips, with the profile's reason, when the tenant lacks a feature."""

from __future__ import annotations

import pytest

from conformance.target import Application, TargetProfile


def needs(condition: bool, reason: str) -> None:
    """Skip the calling test with `reason` unless `condition` holds for the target."""
    if not condition:
        pytest.skip(f"target profile: {reason}")


def pick_app(
    profile: TargetProfile, *, auth_method: str | None = None, mfa: bool | None = None, sspr: bool | None = None
) -> Application:
    """The first application of the profile whose user flow has these features; skips the test when none has."""
    for app in profile.apps():
        tenant = app.tenant
        if (
            (auth_method is None or tenant.auth_method == auth_method)
            and (mfa is None or tenant.mfa == mfa)
            and (sspr is None or tenant.sspr == sspr)
        ):
            return app
    wanted = ", ".join(
        f"{k}={v}" for k, v in {"auth_method": auth_method, "mfa": mfa, "sspr": sspr}.items() if v is not None
    )
    pytest.skip(f"target profile: no application whose user flow has {wanted}")
