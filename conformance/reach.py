"""Walk a documented flow up to one step and hand over the exact request that step expects (api-reference.md §2.1).

Error-table and chaining checks start from a `Reached` step: a fresh, valid continuation token and the correct form
for that step, which they then alter one field at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance import flows
from conformance.client import ApiResponse
from conformance.flows import Actor
from conformance.session import Target
from conformance.steps import json_attributes
from conformance.target import Application, TargetProfile

Form = dict[str, str | None]


class CannotReach(Exception):
    """The target's profile lacks what reaching the step needs (the calling test skips with this reason)."""


@dataclass
class Reached:
    """The request a step expects, ready to send as is or with fields altered (None leaves a field out)."""

    step: str
    operation: str
    form: Form
    address: str
    actor: Actor
    code: str | None = None
    password: str | None = None  # the user's current password, where the run knows it

    @property
    def token(self) -> str:
        return self.form.get("continuation_token") or ""

    def send(self, *, client_request_id: str | None = None, **overrides: str | None) -> ApiResponse:
        """Send the step's request with `overrides` applied (and this `client-request-id`, when given)."""
        fields = {**self.form, **overrides}
        return self.actor.steps.client.send(self.operation, fields, client_request_id=client_request_id)


def _form(actor: Actor, **fields: str | None) -> Form:
    return {"client_id": actor.steps.client_id, **fields}


# What each flow needs of an application's user flow, in order of preference.
NEEDS: dict[str, tuple[dict[str, object], ...]] = {
    "signup": ({"auth_method": "email_password", "mfa": False}, {"mfa": False}),
    "signup-password": ({"auth_method": "email_password", "mfa": False},),
    "signin": ({"auth_method": "email_password", "mfa": False}, {"mfa": False}),
    "signin-password": ({"auth_method": "email_password", "mfa": False},),
    "otp-signin": ({"auth_method": "email_otp"},),
    "mfa": ({"auth_method": "email_password", "mfa": True},),
    "sspr": ({"auth_method": "email_password", "sspr": True},),
}


def app_for(profile: TargetProfile, step: str) -> Application:
    """The application a step is reached with: the first whose user flow has what the step needs (by preference)."""
    preferences = NEEDS[FLOW_OF.get(step, step)]
    for needs in preferences:
        for app in profile.apps():
            if all(getattr(app.tenant, key) == value for key, value in needs.items()):
                return app
    wanted = " or ".join(", ".join(f"{key}={value}" for key, value in needs.items()) for needs in preferences)
    raise CannotReach(f"no application whose user flow has {wanted}")


def uses_password(actor: Actor) -> bool:
    """Whether the actor's user flow takes a password (an email-OTP flow takes none, §E1)."""
    return actor.tenant.auth_method == "email_password"


def _signup_start(actor: Actor, target: Target, *, password: bool = True, attributes: bool = True) -> Reached:
    address = target.new_address()
    values = flows.attribute_values(actor.tenant)
    form = _form(
        actor,
        username=address,
        challenge_type=flows.challenge_types(actor.tenant),
        password=flows.new_password() if password and uses_password(actor) else None,
        attributes=json_attributes(values) if attributes and values else None,
    )
    return Reached("E1", "signupStart", form, address, actor)


def _signup_challenge(actor: Actor, target: Target, **start: bool) -> Reached:
    begun = _signup_start(actor, target, **start)
    token = actor.expect(begun.send(), "E1").continuation_token
    form = _form(actor, continuation_token=token, challenge_type=flows.challenge_types(actor.tenant))
    return Reached("E2", "signupChallenge", form, begun.address, actor)


def signup_oob(actor: Actor, target: Target, **start: bool) -> Reached:
    """Reach E3a (`grant_type=oob`, the emailed code) after a start that may leave out `password` or `attributes`."""
    challenged = _signup_challenge(actor, target, **start)
    response, code = actor.challenge_with_code(challenged.address, challenged.send, "E2")
    form = _form(actor, continuation_token=response.continuation_token, grant_type="oob", oob=code)
    return Reached("E3a", "signupContinue", form, challenged.address, actor, code)


def _signup_detour(actor: Actor, target: Target, error: str, **start: bool) -> tuple[Reached, ApiResponse]:
    verified = signup_oob(actor, target, **start)
    answer = verified.send()
    if answer.error != error:
        actor.verdict.equal(answer.error, error, "E3a", "answer to the code when the flow still needs more")
        raise flows.FlowStopped(f"expected {error} after the code, got HTTP {answer.status} {answer.error}")
    return verified, answer


def _signup_password(actor: Actor, target: Target, *, attributes: bool = True) -> Reached:
    verified, answer = _signup_detour(actor, target, "credential_required", password=False, attributes=attributes)
    form = _form(actor, continuation_token=answer.continuation_token, challenge_type="password redirect")
    credential = actor.expect(actor.steps.client.send("signupChallenge", form), "E2")
    form = _form(actor, continuation_token=credential.continuation_token, grant_type="password")
    form["password"] = flows.new_password()
    return Reached("E3b", "signupContinue", form, verified.address, actor)


def _signup_attributes(actor: Actor, target: Target) -> Reached:
    verified, answer = _signup_detour(actor, target, "attributes_required", attributes=False)
    values = flows.attribute_values(actor.tenant)
    form = _form(
        actor,
        continuation_token=answer.continuation_token,
        grant_type="attributes",
        attributes=json_attributes(values),
    )
    return Reached("E3c", "signupContinue", form, verified.address, actor)


def _existing_user(actor: Actor, target: Target) -> tuple[str, str]:
    """A user of this app's user flow whose password the run knows: a fresh sign-up."""
    outcome = flows.sign_up(actor, target.new_address())
    return outcome.address, outcome.password or ""


def _signin_initiate(
    actor: Actor, target: Target, *, capabilities: str | None = None, user: tuple[str, str] | None = None
) -> Reached:
    address, password = user or _existing_user(actor, target)
    form = _form(actor, username=address, challenge_type=flows.challenge_types(actor.tenant), capabilities=capabilities)
    return Reached("E4", "signinInitiate", form, address, actor, password=password)


def _signin_challenge(actor: Actor, target: Target, **initiate: object) -> Reached:
    begun = _signin_initiate(actor, target, **initiate)  # type: ignore[arg-type]
    token = actor.expect(begun.send(), "E4").continuation_token
    form = _form(actor, continuation_token=token, challenge_type=f"{_first_factor(actor)} redirect")
    return Reached("E5", "signinChallenge", form, begun.address, actor, password=begun.password)


def _first_factor(actor: Actor) -> str:
    """The challenge type of the user flow's first factor (§E5): `password`, or `oob` for email one-time passcodes."""
    return "password" if uses_password(actor) else "oob"


def password_grant(actor: Actor, target: Target, **initiate: object) -> Reached:
    """Reach the password grant of /oauth2/v2.0/token (E4 → E5 → E6), optionally advertising capabilities."""
    challenged = _signin_challenge(actor, target, **initiate)
    token = actor.expect(challenged.send(), "E5").continuation_token
    form = _form(
        actor,
        continuation_token=token,
        grant_type="password",
        password=challenged.password,
        scope=" ".join(actor.profile.scopes),
    )
    return Reached("E6", "token", form, challenged.address, actor, password=challenged.password)


def oob_grant(actor: Actor, target: Target) -> Reached:
    """Reach the oob grant of /oauth2/v2.0/token for an email-OTP user (E4 → E5 with the emailed code → E6)."""
    address = flows.sign_up(actor, target.new_address()).address
    begun = actor.expect(actor.steps.signin_initiate(address, challenge_type=flows.challenge_types(actor.tenant)), "E4")
    challenged, code = actor.challenge_with_code(
        address,
        lambda: actor.steps.signin_challenge(begun.continuation_token or "", challenge_type="oob redirect"),
        "E5",
    )
    form = _form(
        actor,
        continuation_token=challenged.continuation_token,
        grant_type="oob",
        oob=code,
        scope=" ".join(actor.profile.scopes),
    )
    return Reached("E6", "token", form, address, actor, code)


def _second_factor_token(reached: Reached, suberror: str) -> str:
    """Send the password grant and return the token of the documented `suberror` answer (§E6)."""
    answer = reached.send()
    if answer.suberror != suberror:
        reached.actor.verdict.equal(answer.suberror, suberror, f"E6.invalid_grant.{suberror}", "suberror")
        raise flows.FlowStopped(f"expected {suberror}, got HTTP {answer.status} {answer.error} {answer.suberror}")
    return answer.continuation_token or ""


def mfa_user(profile: TargetProfile) -> tuple[str, str]:
    """(email, password) of a profile user with a registered strong authentication method."""
    for user in profile.users:
        if user.interaction_required or user.auth_method != "email_password" or not user.mfa_methods:
            continue
        if user.password is not None:
            return user.email, user.password.reveal()
    raise CannotReach("no existing user with a registered strong authentication method (users[].mfa_methods)")


def interaction_user(profile: TargetProfile) -> tuple[str, str]:
    """(email, password) of a profile user whose sign-in a Conditional Access policy sends to a browser."""
    for user in profile.users:
        if user.interaction_required and user.password is not None:
            return user.email, user.password.reveal()
    raise CannotReach("no existing password user with users[].interaction_required = true")


def _signin_introspect(actor: Actor, target: Target) -> Reached:
    signed_in = password_grant(actor, target, capabilities="mfa_required", user=mfa_user(actor.profile))
    form = _form(actor, continuation_token=_second_factor_token(signed_in, "mfa_required"))
    return Reached("E7", "signinIntrospect", form, signed_in.address, actor)


def _register_introspect(actor: Actor, target: Target) -> Reached:
    signed_in = password_grant(actor, target, capabilities="registration_required")
    form = _form(actor, continuation_token=_second_factor_token(signed_in, "registration_required"))
    return Reached("E8", "registerIntrospect", form, signed_in.address, actor, password=signed_in.password)


def _register_challenge(actor: Actor, target: Target) -> Reached:
    introspected = _register_introspect(actor, target)
    token = actor.expect(introspected.send(), "E8").continuation_token
    form = _form(
        actor,
        continuation_token=token,
        challenge_type="oob",
        challenge_channel="email",
        challenge_target=introspected.address,
    )
    return Reached("E9", "registerChallenge", form, introspected.address, actor, password=introspected.password)


def _register_continue(actor: Actor, target: Target) -> Reached:
    """E9 with the account's own email → E10: with the code it sent (`oob`), or as `preverified` (§5)."""
    challenged = _register_challenge(actor, target)
    answer, code = actor.challenge_with_code_unless_preverified(challenged.address, challenged.send, "E9")
    grant = "continuation_token" if code is None else "oob"
    form = _form(actor, continuation_token=answer.continuation_token, grant_type=grant, oob=code)
    return Reached("E10", "registerContinue", form, challenged.address, actor, code, challenged.password)


def _sspr_start(actor: Actor, target: Target) -> Reached:
    address, password = _existing_user(actor, target)
    form = _form(actor, username=address, challenge_type="oob redirect")
    return Reached("E11", "ssprStart", form, address, actor, password=password)


def _sspr_challenge(actor: Actor, target: Target) -> Reached:
    begun = _sspr_start(actor, target)
    token = actor.expect(begun.send(), "E11").continuation_token
    form = _form(actor, continuation_token=token, challenge_type="oob redirect")
    return Reached("E12", "ssprChallenge", form, begun.address, actor, password=begun.password)


def _sspr_continue(actor: Actor, target: Target) -> Reached:
    challenged = _sspr_challenge(actor, target)
    response, code = actor.challenge_with_code(challenged.address, challenged.send, "E12")
    form = _form(actor, continuation_token=response.continuation_token, grant_type="oob", oob=code)
    return Reached("E13", "ssprContinue", form, challenged.address, actor, code, challenged.password)


def _sspr_submit(actor: Actor, target: Target) -> Reached:
    verified = _sspr_continue(actor, target)
    token = actor.expect(verified.send(), "E13").continuation_token
    form = _form(actor, continuation_token=token, new_password=flows.new_password())
    return Reached("E14", "ssprSubmit", form, verified.address, actor, password=verified.password)


def _sspr_poll(actor: Actor, target: Target) -> Reached:
    submitted = _sspr_submit(actor, target)
    token = actor.expect(submitted.send(), "E14").continuation_token
    return Reached("E15", "ssprPollCompletion", _form(actor, continuation_token=token), submitted.address, actor)


REACH: dict[str, Callable[[Actor, Target], Reached]] = {
    "E1": _signup_start,
    "E2": _signup_challenge,
    "E3a": signup_oob,
    "E3b": _signup_password,
    "E3b-attrs": lambda actor, target: _signup_password(actor, target, attributes=False),
    "E3c": _signup_attributes,
    "E4": _signin_initiate,
    "E5": _signin_challenge,
    "E6": password_grant,
    "G-token": password_grant,
    "E7": _signin_introspect,
    "E8": _register_introspect,
    "E9": _register_challenge,
    "E10": _register_continue,
    "E11": _sspr_start,
    "E12": _sspr_challenge,
    "E13": _sspr_continue,
    "E14": _sspr_submit,
    "E15": _sspr_poll,
}
FLOW_OF = {
    **dict.fromkeys(("E1", "E2", "E3a", "E3c"), "signup"),
    **dict.fromkeys(("E3b", "E3b-attrs"), "signup-password"),
    **dict.fromkeys(("E4", "E5"), "signin"),
    **dict.fromkeys(("E6", "G-token"), "signin-password"),
    **dict.fromkeys(("E7", "E8", "E9", "E10"), "mfa"),
    **dict.fromkeys(("E11", "E12", "E13", "E14", "E15"), "sspr"),
}


def reach(actor_for: Callable[[Application], Actor], target: Target, step: str) -> Reached:
    """Walk the documented flow with a suitable application up to `step` (a table tag of specs/errors.yaml)."""
    actor = actor_for(app_for(target.profile, step))
    return REACH[step](actor, target)
