"""How each OpenAPI link's target step is reached (`RECIPES`, by link), and what that walk needs of a user flow.

Every recipe builds on the walker (`conformance.walker`): most are its own walk to the step (`routes.REACH`); the
others walk a whole flow first (a sign-up, a registration, a reset) to reach the step through the link that names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.chaining.chain import Chain
from conformance.contract.vocabulary import usage
from conformance.walker import Actor, Feature, FlowStopped, Reached, User, mfa, signin, signup, sspr
from conformance.walker.features import EMAIL_OTP, NO_MFA, PASSWORD
from conformance.walker.routes import needs_of

Walk = Callable[[Chain, Actor], Reached]
"""A walk up to a step, with the chain's actor of an application whose user flow has what the walk needs."""


@dataclass(frozen=True, slots=True)
class Variant:
    """One way a link's target step is used: its step tag, how it is reached and what that needs of a user flow, its
    grant type, and what fed it (when several links feed the step)."""

    step: str
    walk: Walk
    needs: tuple[Feature, ...]
    grant_type: str | None = None
    after: str | None = None


def walked(step: str, grant_type: str | None = None) -> Variant:
    """The walker's own walk to `step`, needing what the walker says it needs."""
    return Variant(step, lambda chain, actor: chain.reach(step, actor), needs_of(step), grant_type)


def _signed_in(grant: Callable[[Actor, User], Reached]) -> Walk:
    """A sign-in's grant, for a fresh user of the actor's user flow."""
    return lambda chain, actor: grant(actor, signup.existing_user(actor, chain.target))


def _credential_challenge(chain: Chain, actor: Actor) -> Reached:
    """E1 without a password → E2 → E3a → credential_required → E2 with `challenge_type=password redirect`."""
    return signup.credential_challenge(actor, chain.target)


def _after_sign_up(chain: Chain, actor: Actor) -> Reached:
    """A complete sign-up; its last E3 answer's token at E6 with `grant_type=continuation_token` (§2.1)."""
    return signup.after_sign_up(actor, chain.target)


def _second_factor(chain: Chain, actor: Actor) -> Reached:
    """E7's token and first method at E5 with `id` (the MFA challenge, §4 E5)."""
    introspected = chain.reach("E7", actor)
    answer = introspected.expect()
    methods = answer.json.get("methods") or []
    if not actor.verdict.check(bool(methods), "E7", "methods is empty for a user who must do MFA"):
        raise FlowStopped("E7 listed no strong authentication method")
    method = methods[0].get("id")
    challenge_type = usage().listing(*usage().step("E5.mfa"))
    form = actor.form(continuation_token=answer.continuation_token, challenge_type=challenge_type, id=method)
    return introspected.then(answer, "E5", "signinChallenge", form)


def _after_registration(chain: Chain, actor: Actor) -> Reached:
    """E10's token at E6 with `grant_type=continuation_token` (§2.1: E8 → E9 → E10 → E6)."""
    return mfa.after_registration(actor, chain.target)


def _mfa_oob_grant(chain: Chain, actor: Actor) -> Reached:
    """A user who registered their own email (E8–E10) signs in again: mfa_required → E7 → E5 `id` → E6 `mfa_oob`."""
    return mfa.second_factor(actor, chain.target)


def _after_reset(chain: Chain, actor: Actor) -> Reached:
    """SSPR polled until `succeeded`; that answer's token at E6 with `grant_type=continuation_token` (§2.1). The user
    flow has no MFA, so the sign-in ends in tokens rather than the MFA detour."""
    return sspr.after_reset(actor, signup.existing_user(actor, chain.target), chain.target.waiter())


RECIPES: dict[tuple[str, str], tuple[Variant, ...]] = {
    ("signupStart", "SignupChallenge"): (walked("E2"),),
    ("signupChallenge", "SignupContinue"): (walked("E3a", "oob"), walked("E3b", "password")),
    ("signupContinue", "AutoSignIn"): (Variant("E6", _after_sign_up, needs_of("E1"), after="E3"),),
    ("signupContinue", "CredentialRequired"): (
        Variant("E2", _credential_challenge, needs_of("E3b"), after="E3a credential_required"),
    ),
    ("signupContinue", "AttributesRequired"): (walked("E3c"),),
    ("signinInitiate", "SigninChallenge"): (walked("E5"),),
    ("signinChallenge", "Token"): (
        Variant("E6", _signed_in(signin.password_grant), needs_of("E6", (PASSWORD,)), "password"),
        Variant("E6", _signed_in(signin.oob_grant), needs_of("E6", (EMAIL_OTP,)), "oob"),
        Variant("E6", _mfa_oob_grant, needs_of("E10"), "mfa_oob"),
    ),
    ("token", "MfaRequired"): (walked("E7"),),
    ("token", "RegistrationRequired"): (walked("E8"),),
    ("signinIntrospect", "MfaChallenge"): (Variant("E5", _second_factor, needs_of("E7"), after="E7"),),
    ("registerIntrospect", "RegisterChallenge"): (walked("E9"),),
    ("registerChallenge", "RegisterContinue"): (walked("E10"),),
    ("registerContinue", "SignIn"): (Variant("E6", _after_registration, needs_of("E10"), after="E10"),),
    ("ssprStart", "SsprChallenge"): (walked("E12"),),
    ("ssprChallenge", "SsprContinue"): (walked("E13"),),
    ("ssprContinue", "SsprSubmit"): (walked("E14"),),
    ("ssprSubmit", "SsprPollCompletion"): (walked("E15"),),
    ("ssprPollCompletion", "SignIn"): (Variant("E6", _after_reset, needs_of("E15", (NO_MFA,)), after="E15"),),
}
