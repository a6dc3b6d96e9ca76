"""Scope rules of the token endpoint (api-reference.md §E6 `scope`, §7.10), on every grant the tenant has: the first
factor's (password or e-mailed code), the continuation token of a sign-up (auto sign-in), and a refresh token.

An unregistered resource's `.default` is the error-table row G-token.invalid_resource, checked by test_error_tables.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance import checks
from conformance.target import Target
from conformance.walker import Actor, Reached
from conformance.walker.features import NO_MFA, app_with, needs
from conformance.walker.signin import first_factor_grant, refresh_grant
from conformance.walker.signup import after_sign_up, existing_user

pytestmark = pytest.mark.rules
UNKNOWN_SCOPE = "openid api://00000000-0000-0000-0000-000000000000/none"

#: The grants a sign-in ends with, each walked up to its token request (with the profile's scopes).
GRANTS: dict[str, Callable[[Actor, Target], Reached]] = {
    "first-factor": lambda actor, target: first_factor_grant(actor, existing_user(actor, target)),
    "continuation_token": after_sign_up,
    "refresh_token": lambda actor, target: refresh_grant(actor, existing_user(actor, target)),
}


def _token_request(grant: str, actor_for, target: Target) -> Reached:
    if grant == "refresh_token":
        needs("offline_access" in target.profile.scopes, "scopes lacks offline_access, so no refresh token is issued")
    return GRANTS[grant](actor_for(app_with(target.profile, NO_MFA)), target)


def _left_out() -> list:
    """(grant, scope left out) pairs: a refresh-token grant is itself offline access (generic OAuth leaves whether it
    hands out a new refresh_token without `offline_access` open), so it is not asked without it."""
    return [
        pytest.param(grant, left_out, id=f"{grant}-{'no-' + left_out if left_out else 'all'}")
        for grant in GRANTS
        for left_out in (None, "openid", "offline_access")
        if (grant, left_out) != ("refresh_token", "offline_access")
    ]


@pytest.mark.parametrize(("grant", "left_out"), _left_out())
@pytest.mark.requirement("R-SCOPE-OPENID", "R-SCOPE-OFFLINE-ACCESS", "E6")
def test_tokens_follow_the_requested_scopes(actor_for, target, verdict, grant, left_out):
    """A token response carries an id_token only when `openid` was requested and a refresh_token only when `offline_access` was, whatever the grant (§E6 scope, §7.10)."""
    needs(left_out is None or left_out in target.profile.scopes, f"scopes does not list {left_out}")
    requested = [scope for scope in target.profile.scopes if scope != left_out]
    needs(bool(requested), f"scopes lists nothing besides {left_out}")
    answer = _token_request(grant, actor_for, target).send(scope=" ".join(requested))
    checks.token_response(verdict, answer, requested)


@pytest.mark.parametrize("grant", ["first-factor", "continuation_token"])
@pytest.mark.requirement("E6.invalid_request", "E6")
def test_a_token_request_without_scope_is_refused(actor_for, target, verdict, grant):
    """`scope` is required by the token endpoint (E6): a request without it is refused as invalid_request, whatever the grant (§E6 parameters)."""
    answer = _token_request(grant, actor_for, target).send(scope=None)
    checks.error_row(verdict, answer, "E6.invalid_request")


@pytest.mark.parametrize("grant", list(GRANTS))
@pytest.mark.requirement("E6.invalid_scope")
def test_an_unknown_scope_is_refused(actor_for, target, verdict, grant):
    """A scope no resource of the tenant exposes is refused as invalid_scope, whatever the grant (§E6 errors)."""
    answer = _token_request(grant, actor_for, target).send(scope=UNKNOWN_SCOPE)
    checks.error_row(verdict, answer, "E6.invalid_scope")
