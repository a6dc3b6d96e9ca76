"""Named triggers for the error-table rows: each takes a reached step and sends the request that should fail.

The row's `trigger.recipe` in specs/errors.yaml names the trigger; the row itself says what the answer must be.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from conformance import flows
from conformance.client import ApiResponse
from conformance.contract.errors import ErrorRow
from conformance.flows import Actor
from conformance.reach import (
    CannotReach,
    Reached,
    app_for,
    interaction_user,
    mfa_user,
    oob_grant,
    password_grant,
    reach,
    signup_oob,
    uses_password,
)
from conformance.session import Target
from conformance.steps import json_attributes
from conformance.suites._support import after_token_lifetime
from conformance.target import Application


@dataclass
class Context:
    """What a trigger may use besides the reached step."""

    target: Target
    actor_for: Callable[[Application], Actor]
    slow: bool

    def reach(self, step: str) -> Reached:
        try:
            return reach(self.actor_for, self.target, step)
        except CannotReach as exc:
            pytest.skip(f"target profile: {exc}")


Trigger = Callable[[Context, Reached, ErrorRow], ApiResponse]
TRIGGERS: dict[str, Trigger] = {}


def trigger(name: str) -> Callable[[Trigger], Trigger]:
    def register(function: Trigger) -> Trigger:
        TRIGGERS[name] = function
        return function

    return register


def _without_redirect(types: str | None) -> str:
    return " ".join(t for t in (types or "oob").split() if t != "redirect") or "oob"


def _client(ctx: Context, field: str) -> str:
    client_id = getattr(ctx.target.profile, field)
    if not client_id:
        pytest.skip(f"target profile: no {field} for this negative test")
    return client_id


def _password_field(reached: Reached) -> str:
    return "new_password" if reached.operation == "ssprSubmit" else "password"


@trigger("unknown_client")
def _unknown_client(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=str(uuid.uuid4()))


@trigger("confidential_client")
def _confidential_client(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=_client(ctx, "confidential_client_id"))


@trigger("native_auth_disabled")
def _native_auth_disabled(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=_client(ctx, "disabled_client_id"))


@trigger("no_redirect")
def _no_redirect(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(challenge_type=_without_redirect(reached.form.get("challenge_type")))


@trigger("unknown_challenge_type")
def _unknown_challenge_type(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(challenge_type=f"{reached.form.get('challenge_type') or 'redirect'} foo")


@trigger("forged_token")
def _forged_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(continuation_token=secrets.token_urlsafe(48))


@trigger("foreign_token")
def _foreign_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    initiated = ctx.reach("E5")
    return reached.send(continuation_token=initiated.token)


@trigger("expired_token")
def _expired_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_request_id=after_token_lifetime(ctx.target, slow=ctx.slow))


@trigger("wrong_otp")
def _wrong_otp(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    if reached.operation == "token":
        reached = oob_grant(ctx.actor_for(_app(ctx, "otp-signin")), ctx.target)
    if reached.form.get("grant_type") != "oob":
        pytest.skip(f"target profile: {reached.step} was reached without a code (preverified), so none can be wrong")
    code = reached.code or "00000000"
    return reached.send(oob=code[:-1] + str((int(code[-1]) + 1) % 10))


@trigger("wrong_password")
def _wrong_password(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    # `reach` signs in an account this run signed up, never a shared profile user, so no account can be locked out
    return reached.send(password=flows.new_password())


@trigger("unknown_user")
def _unknown_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(username=ctx.target.new_address())


@trigger("existing_user")
def _existing_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    flows.sign_up(reached.actor, reached.address)
    return reached.send()


@trigger("no_password_at_start")
def _no_password_at_start(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return _detour(ctx, "E3b", password=False)


@trigger("no_attributes_at_start")
def _no_attributes_at_start(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    if not flows.attribute_values(reached.actor.tenant):
        pytest.skip("target profile: the user flow has no required attributes")
    if row.table == "E3a":
        return _detour(ctx, "E1", attributes=False)
    return ctx.reach("E3b-attrs").send()


@trigger("incomplete_attributes")
def _incomplete_attributes(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    if not flows.attribute_values(reached.actor.tenant):
        pytest.skip("target profile: the user flow has no required attributes")
    return reached.send(attributes="{}")


@trigger("invalid_attribute")
def _invalid_attribute(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    values = flows.attribute_values(reached.actor.tenant, required_only=False)
    constrained = [a for a in reached.actor.tenant.attributes if a.regex or a.options]
    if not constrained:
        pytest.skip("target profile: no user attribute has a regex or options to break")
    values[constrained[0].name] = "<not valid>"
    return reached.send(attributes=json_attributes(values))


def _password_trigger(make: Callable[[Context, Reached], str]) -> Trigger:
    def send(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
        if not uses_password(reached.actor):
            pytest.skip("target profile: the user flow reached takes no password (email one-time passcode)")
        return reached.send(**{_password_field(reached): make(ctx, reached)})

    return send


def _banned(ctx: Context, reached: Reached) -> str:
    if not reached.actor.tenant.banned_passwords:
        pytest.skip("target profile: tenant.banned_passwords is empty")
    return reached.actor.tenant.banned_passwords[0]


def _recent(ctx: Context, reached: Reached) -> str:
    if reached.password is None:
        pytest.skip("the user's current password is unknown to the run")
    return reached.password


TRIGGERS.update(
    weak_password=_password_trigger(lambda ctx, reached: "aaaaaaaa"),
    short_password=_password_trigger(lambda ctx, reached: "Ab1!xyz"),
    long_password=_password_trigger(lambda ctx, reached: "Aa1!" + "x" * 253),
    invalid_password=_password_trigger(lambda ctx, reached: "Abc123!\x07xyz"),
    banned_password=_password_trigger(_banned),
    recent_password=_password_trigger(_recent),
)


@trigger("mfa_user")
def _mfa_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    actor = ctx.actor_for(_app(ctx, "E7"))
    try:
        user = mfa_user(ctx.target.profile)
    except CannotReach as exc:
        pytest.skip(f"target profile: {exc}")
    return password_grant(actor, ctx.target, capabilities="mfa_required", user=user).send()


@trigger("unregistered_mfa_user")
def _unregistered_mfa_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    actor = ctx.actor_for(_app(ctx, "E8"))
    return password_grant(actor, ctx.target, capabilities="registration_required").send()


@trigger("blocked_region")
def _blocked_region(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return _sms_target(ctx, "sms_blocked_by_admin")


@trigger("blocked_number")
def _blocked_number(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return _sms_target(ctx, "sms_blocked_by_rep")


def _sms_target(ctx: Context, field: str) -> ApiResponse:
    number = getattr(ctx.target.profile.tenant, field, None)
    if not number:
        pytest.skip(f"target profile: tenant.{field} names no phone number")
    return ctx.reach("E9").send(challenge_channel="sms", challenge_target=number)


@trigger("interaction_required_user")
def _interaction_required_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    try:
        user = interaction_user(ctx.target.profile)
    except CannotReach as exc:
        pytest.skip(f"target profile: {exc}")
    return password_grant(reached.actor, ctx.target, user=user).send()


# --- the generic token endpoint (G-token): requests only the generic OAuth layer answers -------------------------------


@trigger("duplicate_client_id")
def _duplicate_client_id(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    pairs = [(key, value) for key, value in reached.form.items() if value is not None]
    body = urlencode([*pairs, ("client_id", str(uuid.uuid4()))]).encode()
    return reached.actor.steps.client.send(reached.operation, reached.form, raw_body=body)


@trigger("forged_refresh_token")
def _forged_refresh_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(**_refresh(secrets.token_urlsafe(48)))


@trigger("refresh_unknown_client")
def _refresh_unknown_client(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    issued = reached.actor.expect(reached.send(), "E6").json.get("refresh_token")
    if not issued:
        pytest.skip("target profile: no refresh token was issued (scopes lack offline_access)")
    return reached.send(client_id=str(uuid.uuid4()), **_refresh(issued))


@trigger("wrong_client_secret")
def _wrong_client_secret(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=_client(ctx, "confidential_client_id"), client_secret=secrets.token_urlsafe(32))


def _refresh(refresh_token: str) -> dict[str, str | None]:
    """The fields that turn the reached token request into a refresh-token redemption (generic OAuth)."""
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "continuation_token": None, "password": None}


def _detour(ctx: Context, step: str, **start: bool) -> ApiResponse:
    """Sign up with `step`'s application leaving a start field out, and return the answer to the emailed code."""
    return signup_oob(ctx.actor_for(_app(ctx, step)), ctx.target, **start).send()


def _app(ctx: Context, step: str) -> Application:
    try:
        return app_for(ctx.target.profile, step)
    except CannotReach as exc:
        pytest.skip(f"target profile: {exc}")


#: Recipes that send the reached request with some fields set to fixed values (None leaves a field out).
FIXED_FIELDS: dict[str, dict[str, str | None]] = {
    "missing_client_id": {"client_id": None},
    "unknown_grant_type": {"grant_type": "foo"},
    "wrong_grant_type": {"grant_type": "password"},
    "missing_scope": {"scope": None},
    "unknown_scope": {"scope": "openid api://00000000-0000-0000-0000-000000000000/none"},
    "generic_grant": {"grant_type": "client_credentials"},
    "unknown_resource": {"scope": "openid api://00000000-0000-0000-0000-000000000000/.default"},
}


def _fixed(fields: dict[str, str | None]) -> Trigger:
    def send(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
        return reached.send(**fields)

    return send


for _name, _fields in FIXED_FIELDS.items():
    trigger(_name)(_fixed(_fields))
