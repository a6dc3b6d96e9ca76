"""Challenge types and the web fallback (api-reference.md §1.2, §7.2, §7.3).

A client advertises the methods it can handle in `challenge_type`, always with `redirect`. A list without `redirect`
is refused (the rows `*.unsupported_challenge_type`, one per endpoint, are checked by test_error_tables; here the case
where the fallback would otherwise be due), an unknown value is an invalid request, and a method or capability the
user flow needs but the client did not advertise is answered with the redirect response.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance import checks
from conformance.client import ApiResponse
from conformance.contract import errors
from conformance.contract.vocabulary import usage
from conformance.profile import UserFlow
from conformance.suites.tables import METHODS
from conformance.target import Target
from conformance.walker import Actor, reach
from conformance.walker.actor import first_factor
from conformance.walker.features import MFA, PASSWORD, app_with
from conformance.walker.mfa import mfa_user
from conformance.walker.signin import password_grant
from conformance.walker.signup import existing_user

pytestmark = pytest.mark.rules


def _lacking(tenant: UserFlow) -> str:
    """A list of the methods a client may name but the first factor the user flow needs (§7.2 usage matrix), and
    without `redirect`."""
    return " ".join(kind for kind in usage().every if kind not in (usage().always, first_factor(tenant)))


def _signup_start(actor: Actor, target: Target, challenge_type: str) -> ApiResponse:
    return actor.steps.signup_start(target.new_address(), challenge_type=challenge_type)


def _signin_initiate(actor: Actor, target: Target, challenge_type: str) -> ApiResponse:
    address, _ = existing_user(actor, target)
    return actor.steps.signin_initiate(address, challenge_type=challenge_type)


STARTS: dict[str, Callable[[Actor, Target, str], ApiResponse]] = {"E1": _signup_start, "E4": _signin_initiate}


def _unknown_type_tables() -> list[str]:
    """Steps that take a `challenge_type` list (they document `unsupported_challenge_type`) whose row for an unknown
    type the error-table suite does not already trigger."""
    table = errors.table()
    return [
        tag
        for tag in table.tables
        if table.row_for(tag, "no_redirect") is not None
        and (row := table.row_for(tag, "unknown_challenge_type")) is not None
        and row.trigger.condition != "unknown_challenge_type"
    ]


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(
            tag,
            marks=pytest.mark.requirement(
                errors.table().expected(tag, "unknown_challenge_type").id, "R-CHALLENGE-TYPE-UNKNOWN"
            ),
        )
        for tag in _unknown_type_tables()
    ],
)
def test_unknown_challenge_type_is_refused(actor_for, target, verdict, tag):
    """A challenge_type list with a value the API does not know (`foo`, besides the right ones and `redirect`) is refused as invalid_request (§7.2, the endpoint's table)."""
    reached = reach(actor_for, target, tag)
    answer = reached.send(challenge_type=f"{reached.form.get('challenge_type') or 'redirect'} foo")
    row = errors.table().expected(tag, "unknown_challenge_type")
    checks.refused(verdict, answer, "R-CHALLENGE-TYPE-UNKNOWN", row, "unknown_challenge_type")


@METHODS
@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(
            tag, marks=pytest.mark.requirement(errors.table().expected(tag, "no_redirect").id, "R-REDIRECT-REQUIRED")
        )
        for tag in STARTS
    ],
)
def test_list_without_redirect_is_refused_even_when_a_method_is_missing(actor_for, target, verdict, tag, method):
    """A challenge_type list without `redirect` that also lacks the method the user flow needs fails with unsupported_challenge_type, never the redirect response (§7.2: redirect must be in every request)."""
    app = app_with(target.profile, method)
    answer = STARTS[tag](actor_for(app), target, _lacking(app.tenant))
    row = errors.table().expected(tag, "no_redirect")
    checks.refused(verdict, answer, "R-REDIRECT-REQUIRED", row, "no_redirect")


@pytest.mark.parametrize(
    "tag",
    [pytest.param(tag, marks=pytest.mark.requirement(tag, "R-CHALLENGE-TYPE-ANY-FLOW")) for tag in ("E11", "E12")],
)
def test_password_reset_accepts_every_type_the_client_supports(actor_for, target, verdict, tag):
    """Password reset takes the list a client sends to every flow (`oob password redirect`) and goes on with its email code: `password` is a type the app supports that the reset does not use, not an unsupported one (ERR-72)."""
    reached = reach(actor_for, target, tag)
    answer = reached.send(challenge_type=usage().everything())
    if verdict.check(
        answer.status == 200 and not answer.is_redirect,
        "R-CHALLENGE-TYPE-ANY-FLOW",
        f"expected HTTP 200 moving the reset on, got {checks.describe(answer)}",
    ):
        checks.schema(verdict, answer)
        checks.continuation_token(verdict, answer)


@METHODS
@pytest.mark.parametrize(
    "tag", [pytest.param(tag, marks=pytest.mark.requirement(tag, "R-REDIRECT-FALLBACK")) for tag in STARTS]
)
def test_missing_method_falls_back_to_redirect(actor_for, target, verdict, tag, method):
    """A challenge_type list with `redirect` but without the method the user flow needs is answered with the redirect response (§1.2, §7.2)."""
    app = app_with(target.profile, method)
    answer = STARTS[tag](actor_for(app), target, f"{_lacking(app.tenant)} redirect")
    checks.redirect(verdict, answer, "R-REDIRECT-FALLBACK")
    checks.schema(verdict, answer)


@METHODS
@pytest.mark.parametrize(
    "tag", [pytest.param(tag, marks=pytest.mark.requirement(tag, "R-REDIRECT-FALLBACK")) for tag in STARTS]
)
def test_redirect_alone_is_answered_with_the_redirect(actor_for, target, verdict, tag, method):
    """A challenge_type of `redirect` alone says the client can only fall back to the browser: the answer is the redirect response, whatever the user flow needs (§1.2, §7.2)."""
    app = app_with(target.profile, method)
    answer = STARTS[tag](actor_for(app), target, "redirect")
    checks.redirect(verdict, answer, "R-REDIRECT-FALLBACK")
    checks.schema(verdict, answer)


@pytest.mark.parametrize(
    "needed",
    [
        pytest.param(needed, marks=pytest.mark.requirement("E6", "R-CAPABILITY-FALLBACK", "R-REDIRECT-REASON"))
        for needed in ("registration_required", "mfa_required")
    ],
)
def test_missing_capability_falls_back_to_redirect(actor_for, target, verdict, needed):
    """When the user flow enforces MFA but the client advertised no `capabilities`, the token endpoint answers the redirect response with a redirect_reason instead of registration_required or mfa_required (§7.3, §E6 redirect)."""
    actor = actor_for(app_with(target.profile, MFA, PASSWORD))
    user = mfa_user(target.profile) if needed == "mfa_required" else existing_user(actor, target)
    answer = password_grant(actor, user).send()
    checks.redirect(verdict, answer, "R-CAPABILITY-FALLBACK")
    checks.schema(verdict, answer)
    reason = answer.json.get("redirect_reason")
    verdict.check(
        isinstance(reason, str) and bool(reason.strip()),
        "R-REDIRECT-REASON",
        f"the token endpoint's redirect gives no redirect_reason: {reason!r}",
    )
