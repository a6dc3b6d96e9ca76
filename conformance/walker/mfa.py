"""MFA and strong-method registration (api-reference.md §4 E7, §5, §2.1): walks to E7–E10 and the second factor.

Codes are read for addresses the run knows, so the second factor is a user's own e-mail, registered by the run; the
profile's MFA user (users[].mfa_methods) is used where no code is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.client import ApiResponse
from conformance.contract.vocabulary import terms, usage
from conformance.profile import TargetProfile
from conformance.target import Target
from conformance.walker.actor import Actor, FlowStopped, Reached, User
from conformance.walker.features import Lacking
from conformance.walker.signin import flow_control, password_grant
from conformance.walker.signup import existing_user


def all_capabilities() -> str:
    """Every capability (§7.3), as one `capabilities` value: a client that can run both MFA and registration."""
    return " ".join(terms("capabilities").names())


def mfa_user(profile: TargetProfile) -> tuple[str, str]:
    """(email, password) of a profile user with a registered strong authentication method."""
    for user in profile.users:
        if user.interaction_required or user.auth_method != "email_password" or not user.mfa_methods:
            continue
        if user.password is not None:
            return user.email, user.password.reveal()
    raise Lacking("no existing user with a registered strong authentication method (users[].mfa_methods)")


def interaction_user(profile: TargetProfile) -> tuple[str, str]:
    """(email, password) of a profile user whose sign-in a Conditional Access policy sends to a browser."""
    for user in profile.users:
        if user.interaction_required and user.password is not None:
            return user.email, user.password.reveal()
    raise Lacking("no existing password user with users[].interaction_required = true")


def signin_introspect(actor: Actor, user: User) -> Reached:
    """E7 with the token of `mfa_required` (the user must have a registered strong method)."""
    signed_in = password_grant(actor, user, capabilities="mfa_required")
    answer = flow_control(signed_in, "mfa_required")
    return signed_in.then(answer, "E7", "signinIntrospect", actor.form(continuation_token=answer.continuation_token))


def register_introspect(actor: Actor, user: User, *, capabilities: str = "registration_required") -> Reached:
    """E8 with the token of `registration_required` (the user has no strong method yet)."""
    signed_in = password_grant(actor, user, capabilities=capabilities)
    return registration_required(signed_in, flow_control(signed_in, "registration_required"))


def registration_required(reached: Reached, answer: ApiResponse) -> Reached:
    """E8 with the token of the `registration_required` answer to the token request `reached`."""
    form = reached.actor.form(continuation_token=answer.continuation_token)
    return reached.then(answer, "E8", "registerIntrospect", form)


def register_challenge(introspected: Reached, channel: str = "email", destination: str | None = None) -> Reached:
    """E9 after E8, registering `destination` (the account's own e-mail unless given) on `channel`."""
    answer = introspected.expect()
    form = introspected.actor.form(
        continuation_token=answer.continuation_token,
        challenge_type=" ".join(usage().step("E9")),
        challenge_channel=channel,
        challenge_target=destination or introspected.address,
    )
    return introspected.then(answer, "E9", "registerChallenge", form)


def register_continue(challenged: Reached) -> Reached:
    """E10 after E9: with the code it sent (`oob`), or as `preverified` with `grant_type=continuation_token` (§5)."""
    actor = challenged.actor
    destination = challenged.form["challenge_target"] or challenged.address
    answer, code = actor.challenge_with_code_unless_preverified(destination, challenged.send, "E9")
    grant = "continuation_token" if code is None else "oob"
    form = actor.form(continuation_token=answer.continuation_token, grant_type=grant, oob=code)
    return challenged.then(answer, "E10", "registerContinue", form, code)


@dataclass
class Registration:
    """The answers of one strong-method registration (§5): E6 registration_required, E8 introspect, E9 challenge,
    E10 continue."""

    required: ApiResponse
    introspected: ApiResponse
    challenged: ApiResponse
    registered: ApiResponse


def register_method(introspected: Reached, destination: str | None = None, channel: str = "email") -> Registration:
    """Register `destination` (an e-mail address, or a phone number for `sms`; the account's own e-mail unless
    given) as a strong method from E8: E8 → E9 → E10 (§5)."""
    reached = register_continue(register_challenge(introspected, channel, destination))
    registered = reached.actor.expect(reached.send(), "E10")
    trail = reached.trail
    return Registration(trail["E6"], trail["E8"], trail["E9"], registered)


def after_registration(actor: Actor, target: Target) -> Reached:
    """E10's token at E6 with `grant_type=continuation_token` (§2.1: E8 → E9 → E10 → E6)."""
    registered = register_continue(register_challenge(register_introspect(actor, existing_user(actor, target))))
    answer = registered.expect()
    form = actor.form(continuation_token=answer.continuation_token, grant_type="continuation_token", scope=actor.scope)
    return registered.then(answer, "E6", "token", form)


def registered_user(actor: Actor, target: Target) -> User:
    """A new user who registered their own e-mail as strong method and signed in once (E8–E10 → E6)."""
    signed_in = after_registration(actor, target)
    actor.expect(signed_in.send(), "E6")
    return signed_in.user


def second_factor(actor: Actor, target: Target) -> Reached:
    """E6 with `grant_type=mfa_oob` for a user with their own e-mail registered: mfa_required → E7 → E5 with the
    method's `id` and the code it sent (§2.1); the trail keeps E6 (mfa_required), E7 and E5 (the code challenge)."""
    introspected = signin_introspect(actor, registered_user(actor, target))
    answer = introspected.expect()
    methods = answer.json.get("methods") or []
    method = next((m for m in methods if isinstance(m, dict) and m.get("challenge_channel") == "email"), None)
    if not actor.verdict.check(method is not None, "E7", "the e-mail method registered at E10 is not listed"):
        raise FlowStopped("E7 did not list the registered e-mail method")
    assert method is not None
    second = usage().listing(*usage().step("E5.mfa"))
    form = actor.form(continuation_token=answer.continuation_token, challenge_type=second, id=method.get("id"))
    challenging = introspected.then(answer, "E5", "signinChallenge", form)
    challenged, code = actor.challenge_with_code(introspected.address, challenging.send, "E5")
    form = actor.form(
        continuation_token=challenged.continuation_token, grant_type="mfa_oob", oob=code, scope=actor.scope
    )
    return challenging.then(challenged, "E6", "token", form, code)
