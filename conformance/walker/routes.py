"""A walk to any step (a table tag of specs/errors.yaml) through the routes the profile's user flows allow.

`NEEDS` says what each step is about (E3b takes a password, E7–E10 are MFA, E11–E15 are SSPR); every other step is
reached with whichever user flow the profile has: the token request (E6, G-token) with the password grant in an
e-mail + password flow and with the `oob` grant in an e-mail OTP flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from conformance.profile import Application
from conformance.target import Target
from conformance.walker import mfa, signin, signup, sspr
from conformance.walker.actor import Actor, Reached, User
from conformance.walker.features import ATTRIBUTES, MFA, PASSWORD, SSPR, Feature, Lacking, app_with

ActorFor = Callable[[Application], Actor]

NEEDS: dict[str, tuple[Feature, ...]] = {
    "E3b": (PASSWORD,),
    "E3b-attrs": (PASSWORD, ATTRIBUTES),
    "E3c": (ATTRIBUTES,),
    **dict.fromkeys(("E7", "E8", "E9", "E10"), (MFA, PASSWORD)),  # the walk signs in with a password first
    **dict.fromkeys(("E11", "E12", "E13", "E14", "E15"), (SSPR,)),
}


def _user(actor: Actor, target: Target) -> User:
    return signup.existing_user(actor, target)


def _mfa_user(actor: Actor, target: Target) -> User:
    """The profile's user with a registered strong method, else a new user who registers their own e-mail."""
    try:
        return mfa.mfa_user(actor.profile)
    except Lacking:
        return mfa.registered_user(actor, target)


REACH: dict[str, Callable[[Actor, Target], Reached]] = {
    "E1": lambda actor, target: signup.signup_start(actor, target.new_address(), password=signup.password_for(actor)),
    "E2": lambda actor, target: signup.signup_challenge(
        actor, target.new_address(), password=signup.password_for(actor)
    ),
    "E3a": lambda actor, target: signup.signup_oob(actor, target.new_address(), password=signup.password_for(actor)),
    "E3b": signup.signup_password,
    "E3b-attrs": lambda actor, target: signup.signup_password(actor, target, attributes=False),
    "E3c": signup.signup_attributes,
    "E4": lambda actor, target: signin.signin_initiate(actor, _user(actor, target)),
    "E5": lambda actor, target: signin.signin_challenge(actor, _user(actor, target)),
    "E6": lambda actor, target: signin.first_factor_grant(actor, _user(actor, target)),
    "E7": lambda actor, target: mfa.signin_introspect(actor, _mfa_user(actor, target)),
    "E8": lambda actor, target: mfa.register_introspect(actor, _user(actor, target)),
    "E9": lambda actor, target: mfa.register_challenge(mfa.register_introspect(actor, _user(actor, target))),
    "E10": lambda actor, target: mfa.register_continue(
        mfa.register_challenge(mfa.register_introspect(actor, _user(actor, target)))
    ),
    "E11": lambda actor, target: sspr.sspr_start(actor, _user(actor, target)),
    "E12": lambda actor, target: sspr.sspr_challenge(actor, _user(actor, target)),
    "E13": lambda actor, target: sspr.sspr_continue(actor, _user(actor, target)),
    "E14": lambda actor, target: sspr.sspr_submit(actor, _user(actor, target)),
    "E15": lambda actor, target: sspr.sspr_poll(actor, _user(actor, target)),
}
REACH["G-token"] = REACH["E6"]


def needs_of(step: str, extra: Iterable[Feature] = ()) -> tuple[Feature, ...]:
    """What reaching `step` needs of a user flow, with `extra` needs (what the test's rule is about)."""
    return tuple(dict.fromkeys((*NEEDS.get(step, ()), *extra)))


def app_for(target: Target, step: str, extra: Iterable[Feature] = ()) -> Application:
    """The application `step` is reached with; `Lacking` names what no user flow of the profile has."""
    return app_with(target.profile, *needs_of(step, extra))


def reach(actor_for: ActorFor, target: Target, step: str, extra: Iterable[Feature] = ()) -> Reached:
    """Walk a fresh flow, with an application whose user flow allows it, up to `step`."""
    return REACH[step](actor_for(app_for(target, step, extra)), target)
