"""The error rows' trigger recipes: each takes a reached step and sends the request that should fail.

A row's `trigger.recipe` in specs/errors.yaml names its recipe (`RECIPES`); the row itself says what the answer must
be, and each recipe says what its rule needs of the user flow.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from conformance.client import ApiResponse
from conformance.contract.errors import ErrorRow
from conformance.contract.vocabulary import terms, usage
from conformance.expiry import Kit
from conformance.profile import Application
from conformance.steps import json_attributes
from conformance.target import Target
from conformance.walker import Actor, Feature, Reached, reach
from conformance.walker.actor import attribute_values, new_password
from conformance.walker.features import ATTRIBUTES, EMAIL_OTP, MFA, PASSWORD, app_with, needs
from conformance.walker.mfa import interaction_user, mfa_user
from conformance.walker.signin import password_grant
from conformance.walker.signup import existing_user, password_for, sign_up, signup_oob

#: Attribute data types whose values a tenant checks (a Boolean is `true`/`false`, an Int digits; §7.4, S15).


@dataclass
class Context:
    """What a recipe may use besides the reached step."""

    target: Target
    actor_for: Callable[[Application], Actor]
    late_request_id: str | None = None  # the `client-request-id` that sees an expiry test's request late

    def reach(self, step: str, extra: tuple[Feature, ...] = ()) -> Reached:
        """A fresh walk up to `step`, with a user flow that also has `extra`."""
        return reach(self.actor_for, self.target, step, extra)

    def actor(self, *needs: Feature) -> Actor:
        """An actor of an application whose user flow has `needs`."""
        return self.actor_for(app_with(self.target.profile, *needs))


Send = Callable[[Context, Reached, ErrorRow], ApiResponse]


@dataclass(frozen=True)
class Recipe:
    """How a recipe sends the request that should fail, and what its rule needs of the user flow (on every table, or
    only on the tables named in `tables`); a recipe that sends its request late names the `lifetime` it outlives
    (its request is prepared by `conformance.expiry`)."""

    send: Send
    needs: tuple[Feature, ...] = ()
    tables: frozenset[str] | None = None
    lifetime: str | None = None

    def needs_on(self, table: str) -> tuple[Feature, ...]:
        return self.needs if self.tables is None or table in self.tables else ()


RECIPES: dict[str, Recipe] = {}


def recipe(
    name: str, *needs: Feature, tables: tuple[str, ...] | None = None, lifetime: str | None = None
) -> Callable[[Send], Send]:
    """Register the decorated function as the recipe `name`."""

    def register(function: Send) -> Send:
        RECIPES[name] = Recipe(function, needs, frozenset(tables) if tables else None, lifetime)
        return function

    return register


def _checked_types() -> frozenset[str]:
    """The attribute data types whose values a tenant checks (specs/vocabulary.yaml)."""
    return frozenset(term.name for term in terms("attribute_types").terms if term.checked)


def _without_redirect(types: str | None) -> str:
    """The list sent, or the step's default, with the type every list must carry left out (§7.2)."""
    always = usage().always
    return " ".join(t for t in (types or "").split() if t != always) or usage().every[0]


def _client(ctx: Context, field: str) -> str:
    client_id = getattr(ctx.target.profile, field)
    needs(bool(client_id), f"no {field} for this negative test")
    return client_id


def _password_field(reached: Reached) -> str:
    return "new_password" if reached.operation == "ssprSubmit" else "password"


@recipe("unknown_client")
def _unknown_client(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=str(uuid.uuid4()))


@recipe("confidential_client")
def _confidential_client(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=_client(ctx, "confidential_client_id"))


@recipe("native_auth_disabled")
def _native_auth_disabled(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=_client(ctx, "disabled_client_id"))


@recipe("no_redirect")
def _no_redirect(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(challenge_type=_without_redirect(reached.form.get("challenge_type")))


@recipe("unknown_challenge_type")
def _unknown_challenge_type(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(challenge_type=f"{reached.form.get('challenge_type') or 'redirect'} foo")


@recipe("forged_token")
def _forged_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(continuation_token=secrets.token_urlsafe(48))


@recipe("foreign_token")
def _foreign_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    initiated = ctx.reach("E5")
    return reached.send(continuation_token=initiated.token)


@recipe("expired_token", lifetime="continuation_token")
def _expired_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_request_id=ctx.late_request_id)


@recipe("wrong_otp", EMAIL_OTP, tables=("E6",))
def _wrong_otp(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    if reached.form.get("grant_type") != "oob":
        pytest.skip(f"the target answered {reached.step}'s challenge as preverified, so no code can be wrong")
    code = reached.code or "00000000"
    return reached.send(oob=code[:-1] + str((int(code[-1]) + 1) % 10))


@recipe("wrong_password", PASSWORD)
def _wrong_password(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    # `reach` signs in an account this run signed up, never a shared profile user, so no account can be locked out
    return reached.send(password=new_password())


@recipe("unknown_user")
def _unknown_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(username=ctx.target.new_address())


@recipe("existing_user")
def _existing_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    sign_up(reached.actor, reached.address)
    return reached.send()


@recipe("no_password_at_start", PASSWORD)
def _no_password_at_start(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return signup_oob(ctx.actor(PASSWORD), ctx.target.new_address()).send()


@recipe("no_attributes_at_start", ATTRIBUTES)
def _no_attributes_at_start(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    if row.table != "E3a":
        return ctx.reach("E3b-attrs").send()
    actor = ctx.actor(ATTRIBUTES)
    return signup_oob(actor, ctx.target.new_address(), password=password_for(actor), attributes=False).send()


@recipe("incomplete_attributes", ATTRIBUTES)
def _incomplete_attributes(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(attributes="{}")


@recipe("invalid_attribute")
def _invalid_attribute(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    values = attribute_values(reached.actor.tenant, required_only=False)
    constrained = [a for a in reached.actor.tenant.attributes if a.regex or a.options or a.type in _checked_types()]
    needs(bool(constrained), "no user attribute has a regex, options or a checked data type to break")
    values[constrained[0].name] = "<not valid>"
    return reached.send(attributes=json_attributes(values))


def _password_recipe(make: Callable[[Context, Reached], str]) -> Recipe:
    def send(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
        return reached.send(**{_password_field(reached): make(ctx, reached)})

    return Recipe(send, (PASSWORD,))


def _banned(ctx: Context, reached: Reached) -> str:
    needs(bool(reached.actor.tenant.banned_passwords), "tenant.banned_passwords is empty")
    return reached.actor.tenant.banned_passwords[0]


def _recent(ctx: Context, reached: Reached) -> str:
    needs(reached.password is not None, "the user's current password is unknown to the run")
    return reached.password or ""


RECIPES.update(
    weak_password=_password_recipe(lambda ctx, reached: "aaaaaaaa"),
    short_password=_password_recipe(lambda ctx, reached: "Ab1!xyz"),
    long_password=_password_recipe(lambda ctx, reached: "Aa1!" + "x" * 253),
    invalid_password=_password_recipe(lambda ctx, reached: "Abc123!\x07xyz"),
    banned_password=_password_recipe(_banned),
    recent_password=_password_recipe(_recent),
)


@recipe("mfa_user", MFA, PASSWORD)
def _mfa_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return password_grant(reached.actor, mfa_user(ctx.target.profile), capabilities="mfa_required").send()


@recipe("unregistered_mfa_user", MFA, PASSWORD)
def _unregistered_mfa_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    user = existing_user(reached.actor, ctx.target)
    return password_grant(reached.actor, user, capabilities="registration_required").send()


@recipe("blocked_region")
def _blocked_region(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return _sms_target(ctx, "sms_blocked_by_admin")


@recipe("blocked_number")
def _blocked_number(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return _sms_target(ctx, "sms_blocked_by_rep")


def _sms_target(ctx: Context, field: str) -> ApiResponse:
    number = getattr(ctx.target.profile.tenant, field, None)
    needs(bool(number), f"tenant.{field} names no phone number")
    return ctx.reach("E9").send(challenge_channel="sms", challenge_target=number)


@recipe("interaction_required_user", PASSWORD)
def _interaction_required_user(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return password_grant(reached.actor, interaction_user(ctx.target.profile)).send()


# --- the generic token endpoint (G-token): requests only the generic OAuth layer answers ------------------------------


@recipe("duplicate_client_id")
def _duplicate_client_id(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    pairs = [(key, value) for key, value in reached.form.items() if value is not None]
    body = urlencode([*pairs, ("client_id", str(uuid.uuid4()))]).encode()
    return reached.actor.steps.client.send(reached.operation, reached.form, raw_body=body)


@recipe("forged_refresh_token")
def _forged_refresh_token(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(**_refresh(secrets.token_urlsafe(48)))


@recipe("refresh_unknown_client")
def _refresh_unknown_client(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    issued = reached.actor.expect(reached.send(), "E6").json.get("refresh_token")
    needs(bool(issued), "no refresh token was issued (scopes lack offline_access)")
    return reached.send(client_id=str(uuid.uuid4()), **_refresh(issued))


@recipe("wrong_client_secret")
def _wrong_client_secret(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
    return reached.send(client_id=_client(ctx, "confidential_client_id"), client_secret=secrets.token_urlsafe(32))


def _refresh(refresh_token: str) -> dict[str, str | None]:
    """The fields that turn the reached token request into a refresh-token redemption (generic OAuth)."""
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "continuation_token": None, "password": None}


def prepare(row: ErrorRow, kit: Kit) -> Reached:
    """The row's step reached with an expiry kit's actors (the `expiry` marker's `prepare`)."""
    return Context(kit.target, kit.actor_for).reach(row.table, RECIPES[row.trigger.recipe or ""].needs_on(row.table))


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


def _fixed(fields: dict[str, str | None]) -> Send:
    def send(ctx: Context, reached: Reached, row: ErrorRow) -> ApiResponse:
        return reached.send(**fields)

    return send


for _name, _fields in FIXED_FIELDS.items():
    recipe(_name)(_fixed(_fields))
