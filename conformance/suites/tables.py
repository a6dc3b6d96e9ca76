"""Case tables more than one suite module runs."""

from __future__ import annotations

import pytest

from conformance.walker.features import EMAIL_OTP, PASSWORD

#: Runs a test once per auth method (the rows of the §7.2 usage matrix), with the feature of user flows that have it.
METHODS = pytest.mark.parametrize("method", [PASSWORD, EMAIL_OTP], ids=["email_password", "email_otp"])
