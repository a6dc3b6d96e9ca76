"""MSAL JS custom auth (npm `@azure/msal-browser`, pinned in tests/clients/package-lock.json) against the mock tenant.

A real client library, bundled with esbuild and run in headless Chromium, goes through every flow a user does; each
test asserts what MSAL returns (msal_scenarios.py). Then each mock deviation that breaks what MSAL relies on is switched
on and the scenario it breaks is shown failing, with the MSAL error that says why.
"""

from __future__ import annotations

import msal_scenarios as scenarios
import pytest
from msal_support import REQUIRE_ENV, MockTenant, Msal, require_tools

from conformance.mock.deviations import DEVIATIONS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:playwright.*")


def test_sign_up_with_otp(msal: Msal, tenant: MockTenant):
    scenarios.sign_up_with_otp(msal, tenant)


def test_sign_up_with_password_then_attributes(msal: Msal, tenant: MockTenant):
    scenarios.sign_up_with_password_then_attributes(msal, tenant)


def test_sign_in_with_otp(msal: Msal, tenant: MockTenant):
    scenarios.sign_in_with_otp(msal, tenant)


def test_sign_in_with_password(msal: Msal, tenant: MockTenant):
    scenarios.sign_in_with_password(msal, tenant)


def test_password_reset_then_auto_sign_in(msal: Msal, tenant: MockTenant):
    scenarios.password_reset_then_auto_sign_in(msal, tenant)


def test_mfa_on_sign_in(msal: Msal, tenant: MockTenant):
    scenarios.mfa_on_sign_in(msal, tenant)


def test_strong_method_registration(msal: Msal, tenant: MockTenant):
    scenarios.strong_method_registration(msal, tenant)


def test_sign_out_and_current_account(msal: Msal, tenant: MockTenant):
    scenarios.sign_out_and_current_account(msal, tenant)


def test_wrong_code(msal: Msal, tenant: MockTenant):
    scenarios.wrong_code(msal, tenant)


def test_wrong_password(msal: Msal, tenant: MockTenant):
    scenarios.wrong_password(msal, tenant)


def test_user_already_exists(msal: Msal, tenant: MockTenant):
    scenarios.user_already_exists(msal, tenant)


def test_user_not_found(msal: Msal, tenant: MockTenant):
    scenarios.user_not_found(msal, tenant)


# The deviations that break what MSAL relies on: the scenario each one breaks, and what MSAL then says.
BROKEN_BY = {
    "no_client_info": (scenarios.sign_in_with_password, r"SignInFailedState, error=SignInError\(client_info_missing"),
    "poll_token_spent": (
        scenarios.password_reset_then_auto_sign_in,
        r"ResetPasswordFailedState, error=ResetPasswordSubmitPasswordError\(invalid_request",
    ),
}


@pytest.mark.parametrize("deviation", sorted(BROKEN_BY))
def test_msal_fails_when_the_mock_deviates(deviation: str, own_msal: Msal, own_mock: MockTenant):
    """With the deviation on, the scenario it breaks fails with the MSAL error naming the cause."""
    assert deviation in DEVIATIONS
    scenario, message = BROKEN_BY[deviation]
    with own_mock.deviation(deviation), pytest.raises(AssertionError, match=message):
        scenario(own_msal, own_mock)


def test_absent_tools_skip_unless_required(tmp_path):
    """Without node, npm or Chromium the client tests skip, unless CONFORMANCE_REQUIRE_CLIENT_LIBRARIES=1 (CI)."""
    absent = {"chromium": tmp_path / "chromium", "commands": ("node-that-is-not-installed",)}
    with pytest.raises(pytest.skip.Exception, match="node-that-is-not-installed"):
        require_tools(required=False, **absent)
    with pytest.raises(pytest.fail.Exception, match=REQUIRE_ENV):
        require_tools(required=True, **absent)
