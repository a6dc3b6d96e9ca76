"""Sign-up (api-reference.md §2.1, §3: E1 → E2 → E3a/E3b/E3c): the whole flow, and walks to each of its steps."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.client import ApiResponse
from conformance.contract.vocabulary import usage
from conformance.steps import json_attributes
from conformance.target import Target
from conformance.walker.actor import (
    Actor,
    FlowStopped,
    Reached,
    attribute_values,
    challenge_types,
    new_password,
    uses_password,
)


@dataclass
class SignUpOutcome:
    """The last successful E3 answer and the flow-control 400s (credential_required, attributes_required) on the way."""

    response: ApiResponse
    address: str
    password: str | None
    detours: list[ApiResponse]


def credential_types() -> str:
    """The `challenge_type` of the credential challenge after credential_required (§E2: `password redirect`)."""
    return usage().listing(*usage().step("E2.credential"))


def password_for(actor: Actor) -> str | None:
    """A new password when the actor's user flow takes one (None in an e-mail OTP flow)."""
    return new_password() if uses_password(actor.tenant) else None


def signup_start(
    actor: Actor,
    address: str,
    *,
    password: str | None = None,
    attributes: bool = True,
    capabilities: str | None = None,
) -> Reached:
    """E1 for `address` with `password` (None leaves it out) and the user flow's required attributes (unless left
    out)."""
    values = attribute_values(actor.tenant)
    form = actor.form(
        username=address,
        challenge_type=challenge_types(actor.tenant, "signup"),
        password=password,
        attributes=json_attributes(values) if attributes and values else None,
        capabilities=capabilities,
    )
    return Reached("E1", "signupStart", form, address, actor, password=password)


def signup_challenge(actor: Actor, address: str, **start: object) -> Reached:
    """E2 after a start (`signup_start`'s options)."""
    begun = signup_start(actor, address, **start)  # type: ignore[arg-type]
    answer = begun.expect()
    advertised = challenge_types(actor.tenant, "signup")
    form = actor.form(continuation_token=answer.continuation_token, challenge_type=advertised)
    return begun.then(answer, "E2", "signupChallenge", form)


def signup_oob(actor: Actor, address: str, **start: object) -> Reached:
    """E3a (`grant_type=oob`, the e-mailed code) after a start (`signup_start`'s options)."""
    challenged = signup_challenge(actor, address, **start)
    answer, code = actor.challenge_with_code(address, challenged.send, "E2")
    form = actor.form(continuation_token=answer.continuation_token, grant_type="oob", oob=code)
    return challenged.then(answer, "E3a", "signupContinue", form, code)


def detour(actor: Actor, address: str, error: str, **start: object) -> tuple[Reached, ApiResponse]:
    """The code verified after a start that left something out, answered with the flow-control `error`
    (credential_required, attributes_required) and a token."""
    verified = signup_oob(actor, address, **start)
    answer = verified.send()
    if answer.error != error or not answer.continuation_token:
        actor.verdict.equal(answer.error, error, f"E3a.{error}", "answer to the code when the flow still needs more")
        raise FlowStopped(f"expected {error} after the code, got HTTP {answer.status} {answer.error}")
    return verified, answer


def credential_challenge(actor: Actor, target: Target, *, attributes: bool = True) -> Reached:
    """E2 with `challenge_type=password redirect` after E3a answered credential_required (no password at start)."""
    verified, answer = detour(actor, target.new_address(), "credential_required", attributes=attributes)
    form = actor.form(continuation_token=answer.continuation_token, challenge_type=credential_types())
    return verified.then(answer, "E2", "signupChallenge", form)


def signup_password(actor: Actor, target: Target, *, attributes: bool = True) -> Reached:
    """E3b (`grant_type=password`) after the credential challenge."""
    challenged = credential_challenge(actor, target, attributes=attributes)
    answer = challenged.expect()
    form = actor.form(continuation_token=answer.continuation_token, grant_type="password", password=new_password())
    reached = challenged.then(answer, "E3b", "signupContinue", form)
    reached.password = form["password"]
    return reached


def signup_attributes(actor: Actor, target: Target) -> Reached:
    """E3c (`grant_type=attributes`) after E3a answered attributes_required (no attributes at start)."""
    address = target.new_address()
    verified, answer = detour(actor, address, "attributes_required", password=password_for(actor), attributes=False)
    form = actor.form(
        continuation_token=answer.continuation_token,
        grant_type="attributes",
        attributes=json_attributes(attribute_values(actor.tenant)),
    )
    return verified.then(answer, "E3c", "signupContinue", form)


def sign_up(
    actor: Actor,
    address: str,
    *,
    password: str | None = None,
    password_at_start: bool = True,
    attributes_at_start: bool = True,
    capabilities: str | None = None,
) -> SignUpOutcome:
    """Sign up `address` (§2.1), answering credential_required and attributes_required on the way; the last
    successful E3 answer's token feeds auto sign-in."""
    password = password or password_for(actor)
    start = {"password": password if password_at_start else None, "attributes": attributes_at_start}
    answer = signup_oob(actor, address, capabilities=capabilities, **start).send()
    steps, attributes = actor.steps, attribute_values(actor.tenant)
    detours: list[ApiResponse] = []
    for _ in range(3):
        if answer.status == 200:
            break
        detours.append(answer)
        if answer.error == "credential_required" and password:
            credential = actor.expect(
                steps.signup_challenge(answer.continuation_token or "", challenge_type=credential_types()), "E2"
            )
            answer = steps.signup_continue(credential.continuation_token or "", "password", password=password)
        elif answer.error == "attributes_required":
            answer = steps.signup_continue(answer.continuation_token or "", "attributes", attributes=attributes)
        else:
            break
    return SignUpOutcome(actor.expect(answer, "E3a"), address, password, detours)


def existing_user(actor: Actor, target: Target) -> tuple[str, str | None]:
    """A user of the actor's user flow whose password (if any) the run knows: a fresh sign-up, never a shared
    profile user, so a wrong password or code can lock out no one else."""
    outcome = sign_up(actor, target.new_address())
    return outcome.address, outcome.password


def after_sign_up(actor: Actor, target: Target, *, capabilities: str | None = None) -> Reached:
    """A complete sign-up (advertising `capabilities` at start, when given); its last E3 answer's token at E6 with
    `grant_type=continuation_token` (§2.1 auto sign-in)."""
    outcome = sign_up(actor, target.new_address(), capabilities=capabilities)
    form = actor.form(
        continuation_token=outcome.response.continuation_token,
        grant_type="continuation_token",
        username=outcome.address,
        scope=actor.scope,
    )
    trail = {"E3": outcome.response}
    return Reached("E6", "token", form, outcome.address, actor, password=outcome.password, trail=trail)
