"""What a suite needs of the target: each test skips, with the profile's reason, when the tenant lacks a feature."""

from __future__ import annotations

import pytest

from conformance.walker.features import EMAIL_OTP, LACKING_PREFIX, PASSWORD

#: Runs a test once per auth method (the rows of the §7.2 usage matrix), with the feature of user flows that have it.
METHODS = pytest.mark.parametrize("method", [PASSWORD, EMAIL_OTP], ids=["email_password", "email_otp"])


def needs(condition: bool, reason: str) -> None:
    """Skip the calling test with `reason` unless `condition` holds for the target."""
    if not condition:
        pytest.skip(f"{LACKING_PREFIX}{reason}")
