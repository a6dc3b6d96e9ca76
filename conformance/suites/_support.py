"""What a suite needs of the target: each test skips, with the profile's reason, when the tenant lacks a feature."""

from __future__ import annotations

import pytest

from conformance.walker.features import LACKING_PREFIX


def needs(condition: bool, reason: str) -> None:
    """Skip the calling test with `reason` unless `condition` holds for the target."""
    if not condition:
        pytest.skip(f"{LACKING_PREFIX}{reason}")
