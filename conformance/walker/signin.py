"""Sign-in (api-reference.md §2.1, §4: E4 → E5 → E6): the whole flow, and walks to each of its steps.

The token request is reached with whatever first factor the user flow has: the password grant in an e-mail +
password flow, the `oob` grant with the e-mailed code in an e-mail OTP flow.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.client import ApiResponse
from conformance.contract.vocabulary import usage
from conformance.walker.actor import Actor, FlowStopped, Reached, User, challenge_types, first_factor, uses_password


@dataclass
class SignInAnswers:
    """Every answer of one sign-in (§2.1): initiate (E4), challenge (E5, with the code it sent) and token (E6)."""

    initiate: ApiResponse
    challenge: ApiResponse
    token: ApiResponse
    code: str | None = None


def signin_initiate(actor: Actor, user: User, *, capabilities: str | None = None) -> Reached:
    """E4 for `user`, advertising `capabilities` when given."""
    address, password = user
    advertised = challenge_types(actor.tenant, "signin")
    form = actor.form(username=address, challenge_type=advertised, capabilities=capabilities)
    return Reached("E4", "signinInitiate", form, address, actor, password=password)


def signin_challenge(actor: Actor, user: User, **initiate: str | None) -> Reached:
    """E5 asking for the user flow's first factor (`password`, or `oob` for e-mail one-time passcodes)."""
    begun = signin_initiate(actor, user, **initiate)
    answer = begun.expect()
    form = actor.form(
        continuation_token=answer.continuation_token, challenge_type=usage().listing(first_factor(actor.tenant))
    )
    return begun.then(answer, "E5", "signinChallenge", form)


def password_grant(actor: Actor, user: User, **initiate: str | None) -> Reached:
    """E6 with `grant_type=password` (E4 → E5 `password` → E6)."""
    challenged = signin_challenge(actor, user, **initiate)
    answer = challenged.expect()
    form = actor.form(
        continuation_token=answer.continuation_token, grant_type="password", password=user[1], scope=actor.scope
    )
    return challenged.then(answer, "E6", "token", form)


def oob_grant(actor: Actor, user: User, **initiate: str | None) -> Reached:
    """E6 with `grant_type=oob` and the e-mailed code (E4 → E5 `oob` → E6)."""
    challenged = signin_challenge(actor, user, **initiate)
    answer, code = actor.challenge_with_code(challenged.address, challenged.send, "E5")
    form = actor.form(continuation_token=answer.continuation_token, grant_type="oob", oob=code, scope=actor.scope)
    return challenged.then(answer, "E6", "token", form, code)


def first_factor_grant(actor: Actor, user: User, **initiate: str | None) -> Reached:
    """E6 with the grant of the user flow's first factor: `password`, else `oob`."""
    return (password_grant if uses_password(actor.tenant) else oob_grant)(actor, user, **initiate)


def refresh_grant(actor: Actor, user: User) -> Reached:
    """E6 with `grant_type=refresh_token`: the refresh token a fresh sign-in with the profile's scopes handed out."""
    signed_in = first_factor_grant(actor, user)
    answer = signed_in.expect()
    refresh_token = answer.json.get("refresh_token")
    if not actor.verdict.check(bool(refresh_token), "R-SCOPE-OFFLINE-ACCESS", "a sign-in gave no refresh_token"):
        raise FlowStopped("no refresh_token to redeem")
    form = actor.form(grant_type="refresh_token", refresh_token=refresh_token, scope=actor.scope)
    return signed_in.then(answer, "E6", "token", form)


def sign_in(
    actor: Actor, address: str, *, password: str | None = None, scopes: list[str] | None = None
) -> SignInAnswers:
    """Sign in with the user flow's first factor (§2.1) and keep each step's answer for checking."""
    reached = first_factor_grant(actor, (address, password))
    token = reached.send(scope=" ".join(scopes) if scopes else reached.form["scope"])
    return SignInAnswers(reached.trail["E4"], reached.trail["E5"], token, reached.code)


def flow_control(reached: Reached, suberror: str) -> ApiResponse:
    """Send the token request, which must answer `invalid_grant` with the documented `suberror` and a token
    (mfa_required, registration_required, §E6)."""
    answer = reached.send()
    if answer.suberror != suberror or not answer.continuation_token:
        reached.actor.verdict.equal(answer.suberror, suberror, f"E6.invalid_grant.{suberror}", "suberror")
        raise FlowStopped(f"expected {suberror}, got HTTP {answer.status} {answer.error} {answer.suberror}")
    return answer
