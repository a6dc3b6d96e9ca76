"""Scope rules of the token response (api-reference.md §E6 `scope`, §7.10): which tokens each requested scope yields.

An unknown scope is the error-table row E6.invalid_scope (an unregistered resource's `.default`, G-token.invalid_resource),
checked by test_error_tables.
"""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.suites._support import needs
from conformance.walker.features import NO_MFA, app_with
from conformance.walker.signin import sign_in
from conformance.walker.signup import sign_up

pytestmark = pytest.mark.rules


@pytest.mark.parametrize("left_out", [None, "openid", "offline_access"], ids=["all", "no-openid", "no-offline_access"])
@pytest.mark.requirement("R-SCOPE-OPENID", "R-SCOPE-OFFLINE-ACCESS", "E6")
def test_tokens_follow_the_requested_scopes(actor_for, target, verdict, left_out):
    """A sign-in's token response carries an id_token only when `openid` was requested and a refresh_token only when `offline_access` was (§E6 scope, §7.10)."""
    needs(left_out is None or left_out in target.profile.scopes, f"scopes does not list {left_out}")
    requested = [scope for scope in target.profile.scopes if scope != left_out]
    needs(bool(requested), f"scopes lists nothing besides {left_out}")
    actor = actor_for(app_with(target.profile, NO_MFA))
    outcome = sign_up(actor, target.new_address())
    answer = sign_in(actor, outcome.address, password=outcome.password, scopes=requested).token
    checks.token_response(verdict, answer, requested)
