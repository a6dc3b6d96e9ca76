"""The token-chaining suite's cases and helpers (api-reference.md §2.1, §7.1).

A *case* is one consuming step of a documented flow: the target of an OpenAPI link (`openapi.links()`), reached through
that link. `RECIPES` says, per link, how to walk a flow up to its target with the request that step expects; every
recipe builds on the walker (`conformance.walker`). A link without a recipe still yields a case, which skips saying so.

The `Ledger` stands in for the session's client so that a test knows, for any token, the token that produced it and
the start request its flow began with (raw values in memory only; transcripts keep the redacted ones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

import pytest

from conformance import checks
from conformance.client import ApiResponse, NativeAuthClient
from conformance.contract import errors, openapi
from conformance.contract.errors import ErrorRow
from conformance.expiry import Kit
from conformance.profile import Application
from conformance.steps import NativeAuthSteps, json_attributes
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Actor, Feature, FlowStopped, Reached, User, Wait, mfa, signin, signup, sspr
from conformance.walker.actor import attribute_values, new_password
from conformance.walker.features import EMAIL_OTP, NO_MFA, PASSWORD, app_with
from conformance.walker.routes import REACH, needs_of

# --- the ledger -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One request of the test: the token it presented and the token its answer handed out (either may be None)."""

    operation: str
    presented: str | None
    issued: str | None


class Ledger:
    """The session's client, remembering which token each answer handed out for which presented token."""

    def __init__(self, client: NativeAuthClient) -> None:
        self._client = client
        self.entries: list[Entry] = []

    def send(self, operation: str, form: Mapping[str, str | None], **options: Any) -> ApiResponse:
        response = self._client.send(operation, form, **options)
        self.entries.append(Entry(operation, form.get("continuation_token"), response.continuation_token))
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def issuer(self, token: str) -> Entry | None:
        """The request whose answer handed out `token`."""
        return next((entry for entry in reversed(self.entries) if token and entry.issued == token), None)

    def previous(self, token: str) -> str | None:
        """The token presented by the request whose answer handed out `token` (None after a start step)."""
        entry = self.issuer(token)
        return entry.presented if entry else None

    def origin(self, token: str) -> str | None:
        """The operation of the start request (one that takes no token) the flow of `token` began with."""
        entry = self.issuer(token)
        for _ in range(len(self.entries)):
            if entry is None or entry.presented is None:
                break
            entry = self.issuer(entry.presented)
        return entry.operation if entry else None


# --- the run context --------------------------------------------------------------------------------------------------


@dataclass
class Chain:
    """What a chaining test uses: the target and actors whose requests go through the ledger."""

    target: Target
    client: NativeAuthClient
    verdict: Verdict
    ledger: Ledger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.client)

    def actor_for(self, app: Application) -> Actor:
        steps = NativeAuthSteps(cast(NativeAuthClient, self.ledger), app.client_id)
        return Actor(steps, self.target.otp, self.verdict, self.target.profile, app.tenant)

    def actor(self, step: str, *extra: Feature) -> Actor:
        """An actor of an application whose user flow allows `step` and has `extra` (`Lacking` when none does)."""
        return self.actor_for(app_with(self.target.profile, *needs_of(step, extra)))

    def reach(self, step: str, actor: Actor | None = None) -> Reached:
        """The walker's walk up to `step`, with this chain's actors."""
        return REACH[step](actor or self.actor(step), self.target)

    def other_client(self, reached: Reached) -> str:
        """A public client of the tenant other than the one the token was issued to."""
        second = self.target.profile.second_client_id
        if not second:
            pytest.skip("target profile: no second_client_id for this negative test")
        own = reached.actor.steps.client_id
        return self.target.profile.client_id if second.lower() == own.lower() else second

    def foreign_token(self, reached: Reached) -> str:
        """A fresh, unused token of another flow for the same client: the answer of another flow's start step."""
        origin = self.ledger.origin(reached.token)
        start = next(op for op in start_operations() if op.operation_id != origin)
        begun = self.reach(start.doc_tag, reached.actor)
        return begun.actor.expect(begun.send(), start.doc_tag).continuation_token or ""


# --- spec data --------------------------------------------------------------------------------------------------------


@cache
def start_operations() -> tuple[openapi.Operation, ...]:
    """Operations no link feeds (E1, E4, E11): each begins a flow and takes no continuation token."""
    fed = {link.target for link in openapi.links()}
    return tuple(op for op in openapi.operations() if op.operation_id not in fed)


def reuse_rule(step: str) -> str:
    """The rule a second use of the step's token breaks: R-TOKEN-SINGLE-USE, and for E15, whose /submit token polls
    again until the reset is done (ERR-71), R-SSPR-POLL-AFTER-SUCCESS."""
    return "R-SSPR-POLL-AFTER-SUCCESS" if step == "E15" else "R-TOKEN-SINGLE-USE"


def invalid_token_row(step: str) -> ErrorRow:
    """The step's row for an invalid continuation token (specs/errors.yaml, condition `invalid_token`)."""
    return errors.table().expected(step, "invalid_token")


def expired_row(step: str) -> ErrorRow:
    """The step's row for an expired continuation token (condition `expired_token`)."""
    return errors.table().expected(step, "expired_token")


@cache
def step_tables() -> tuple[str, ...]:
    """Error tables that are steps (`E2`, `E3a`, …), not variants (`E3b-attrs`) or the generic `G-token`."""
    return tuple(tag for tag in errors.table().tables if tag.startswith("E") and "-" not in tag)


def grants(operation: str) -> tuple[str, ...]:
    """The grant types an operation documents for a continuation token, in document order."""
    params = openapi.operation(operation).parameters
    with_token = {p.grant_type for p in params if p.name == "continuation_token" and p.grant_type}
    return tuple(dict.fromkeys(p.grant_type for p in params if p.grant_type in with_token))


@cache
def all_grants() -> tuple[str, ...]:
    """Every grant type documented for a continuation token on any endpoint."""
    return tuple(dict.fromkeys(g for op in openapi.operations() for g in grants(op.operation_id)))


def other_grant(operation: str, own: str) -> str:
    """A documented grant type other than `own`: the endpoint's next one, else one another endpoint documents."""
    return next(g for g in (*grants(operation), *all_grants()) if g != own)


Refusal = tuple[ErrorRow, str]  # a row that may refuse, and the condition it refuses under


def grant_rows(step: str, operation: str, sent: str) -> tuple[Refusal, ...]:
    """The rows that may refuse the step's token sent with grant type `sent` (R-TOKEN-GRANT-MATCH), each with its
    condition: the row for a grant type that is not the step's, of the step and of the sent grant's step; on endpoints
    with several grants also their invalid-token rows (the token is not one for that step)."""
    table = errors.table()
    path = openapi.operation(operation).path
    siblings = [
        t for t in step_tables() if t != step and (table.tables[t].endpoint, table.tables[t].grant_type) == (path, sent)
    ]
    conditions = ("wrong_grant_type", "invalid_token") if len(grants(operation)) > 1 else ("wrong_grant_type",)
    found = [
        (row, condition)
        for tag in (step, *siblings)
        for condition in conditions
        if (row := table.row_for(tag, condition)) is not None
    ]
    return tuple(dict.fromkeys(found))


def regrant(reached: Reached, grant: str, profile_scopes: Iterable[str]) -> dict[str, str | None]:
    """The step's request with another grant type: the fields that grant documents, its required ones filled in."""
    params = [p for p in openapi.operation(reached.operation).parameters if p.grant_type == grant]
    if not params:
        return {**reached.form, "grant_type": grant}
    names = {p.name for p in params}
    form: dict[str, str | None] = {name: value for name, value in reached.form.items() if name in names}
    fillers: dict[str, Callable[[], str | None]] = {
        "password": lambda: reached.password or new_password(),
        "oob": lambda: reached.code or "0" * reached.actor.tenant.otp_length,
        "attributes": lambda: json_attributes(attribute_values(reached.actor.tenant)) or "{}",
        "scope": lambda: " ".join(profile_scopes),
    }
    for param in params:
        if param.required and form.get(param.name) is None and param.name in fillers:
            form[param.name] = fillers[param.name]()
    form["grant_type"] = grant
    return form


# --- checks -----------------------------------------------------------------------------------------------------------


def refused(
    verdict: Verdict,
    response: ApiResponse,
    rule: str,
    refusals: tuple[Refusal, ...],
    answers: Iterable[tuple[str, str | None]] = (),
) -> None:
    """The step refused the token under `rule` (an error that hands out no token) with one of `refusals`: the one with
    the answer's `error` (else the first) is checked in full, for its condition. `answers`, when the rule itself names
    the refusal (R-TOKEN-EXPIRY: `expired_token`), are the (`error`, `suberror`) pairs the rule allows."""
    row, condition = next(((r, c) for r, c in refusals if r.error == response.error), refusals[0])
    answers = frozenset(answers)
    if answers and 400 <= response.status < 500 and response.error:
        got = (response.error, response.suberror)
        verdict.check(
            got in answers,
            rule,
            f"refused with {'.'.join(filter(None, got))}, expected "
            + " or ".join(sorted(".".join(filter(None, a)) for a in answers)),
        )
    checks.refused(verdict, response, rule, row, condition)


def accepted(verdict: Verdict, reached: Reached, response: ApiResponse, wait: Wait) -> bool:
    """The step took its token as documented: 200 moving the flow on (tokens from E6), or a documented flow-control
    error that hands out the next token (a 400 link of the operation, e.g. credential_required, mfa_required).

    A pending poll (E15) is the same step again: it is polled with the same token until the reset is done (ERR-71),
    and that answer is judged."""
    pending = response.status == 200 and response.json.get("status") in sspr.PENDING_POLL
    if reached.operation == "ssprPollCompletion" and pending:
        response = sspr.poll_until_done(reached.actor, reached.token, wait, pending=response)
    flow_control = any(link.status == 400 for link in openapi.operation(reached.operation).links)
    if response.status == 400 and response.continuation_token and flow_control:
        row_id = ".".join(filter(None, (reached.step, response.error, response.suberror)))
        if verdict.check(row_id in errors.table(), reached.step, f"undocumented flow-control answer {row_id}"):
            checks.error_envelope(verdict, response, errors.table().get(row_id))
        verdict.check(
            response.continuation_token != reached.token,
            "R-TOKEN-EVERY-STEP",
            "the step handed back the token it was given",
        )
        return True
    if reached.operation == "token":
        checks.token_response(verdict, response, (reached.form.get("scope") or "").split())
        return response.status == 200 and not response.is_redirect
    ok = checks.success(verdict, response, reached.step)
    if ok:
        token = checks.continuation_token(verdict, response)
        verdict.check(token != reached.token, "R-TOKEN-EVERY-STEP", "the step handed back the token it was given")
    return ok


# --- recipes: how each link's target is reached -----------------------------------------------------------------------

Recipe = Callable[[Chain], Reached]


def _reached(step: str) -> Recipe:
    return lambda chain: chain.reach(step)


def _signed_in(walk: Callable[[Actor, User], Reached], *needs: Feature) -> Recipe:
    """A walk from a fresh user of a user flow with `needs` (a sign-in's grant)."""

    def recipe(chain: Chain) -> Reached:
        actor = chain.actor("E6", *needs)
        return walk(actor, signup.existing_user(actor, chain.target))

    return recipe


def _credential_challenge(chain: Chain) -> Reached:
    """E1 without a password → E2 → E3a → credential_required → E2 with `challenge_type=password redirect`."""
    return signup.credential_challenge(chain.actor("E3b"), chain.target)


def _after_sign_up(chain: Chain) -> Reached:
    """A complete sign-up; its last E3 answer's token at E6 with `grant_type=continuation_token` (§2.1)."""
    return signup.after_sign_up(chain.actor("E1"), chain.target)


def _second_factor(chain: Chain) -> Reached:
    """E7's token and first method at E5 with `id` (the MFA challenge, §4 E5)."""
    introspected = chain.reach("E7")
    actor = introspected.actor
    answer = introspected.expect()
    methods = answer.json.get("methods") or []
    if not actor.verdict.check(bool(methods), "E7", "methods is empty for a user who must do MFA"):
        raise FlowStopped("E7 listed no strong authentication method")
    form = actor.form(continuation_token=answer.continuation_token, challenge_type="oob redirect", id=methods[0].get("id"))
    return introspected.then(answer, "E5", "signinChallenge", form)


def _after_registration(chain: Chain) -> Reached:
    """E10's token at E6 with `grant_type=continuation_token` (§2.1: E8 → E9 → E10 → E6)."""
    return mfa.after_registration(chain.actor("E10"), chain.target)


def _mfa_oob_grant(chain: Chain) -> Reached:
    """A user who registered their own email (E8–E10) signs in again: mfa_required → E7 → E5 `id` → E6 `mfa_oob`."""
    return mfa.second_factor(chain.actor("E10"), chain.target)


def _after_reset(chain: Chain) -> Reached:
    """SSPR polled until `succeeded`; that answer's token at E6 with `grant_type=continuation_token` (§2.1).

    Uses an app whose user flow has no MFA, so the sign-in ends in tokens rather than the MFA detour."""
    actor = chain.actor("E15", NO_MFA)
    return sspr.after_reset(actor, signup.existing_user(actor, chain.target), chain.target.waiter())


@dataclass(frozen=True, slots=True)
class Variant:
    """One way a link's target step is used: its step tag, grant type, what fed it (when several links do), recipe."""

    step: str
    recipe: Recipe
    grant_type: str | None = None
    after: str | None = None


RECIPES: dict[tuple[str, str], tuple[Variant, ...]] = {
    ("signupStart", "SignupChallenge"): (Variant("E2", _reached("E2")),),
    ("signupChallenge", "SignupContinue"): (
        Variant("E3a", _reached("E3a"), "oob"),
        Variant("E3b", _reached("E3b"), "password"),
    ),
    ("signupContinue", "AutoSignIn"): (Variant("E6", _after_sign_up, after="E3"),),
    ("signupContinue", "CredentialRequired"): (Variant("E2", _credential_challenge, after="E3a credential_required"),),
    ("signupContinue", "AttributesRequired"): (Variant("E3c", _reached("E3c")),),
    ("signinInitiate", "SigninChallenge"): (Variant("E5", _reached("E5")),),
    ("signinChallenge", "Token"): (
        Variant("E6", _signed_in(signin.password_grant, PASSWORD), "password"),
        Variant("E6", _signed_in(signin.oob_grant, EMAIL_OTP), "oob"),
        Variant("E6", _mfa_oob_grant, "mfa_oob"),
    ),
    ("token", "MfaRequired"): (Variant("E7", _reached("E7")),),
    ("token", "RegistrationRequired"): (Variant("E8", _reached("E8")),),
    ("signinIntrospect", "MfaChallenge"): (Variant("E5", _second_factor, after="E7"),),
    ("registerIntrospect", "RegisterChallenge"): (Variant("E9", _reached("E9")),),
    ("registerChallenge", "RegisterContinue"): (Variant("E10", _reached("E10")),),
    ("registerContinue", "SignIn"): (Variant("E6", _after_registration, after="E10"),),
    ("ssprStart", "SsprChallenge"): (Variant("E12", _reached("E12")),),
    ("ssprChallenge", "SsprContinue"): (Variant("E13", _reached("E13")),),
    ("ssprContinue", "SsprSubmit"): (Variant("E14", _reached("E14")),),
    ("ssprSubmit", "SsprPollCompletion"): (Variant("E15", _reached("E15")),),
    ("ssprPollCompletion", "SignIn"): (Variant("E6", _after_reset, after="E15"),),
}


@dataclass(frozen=True, slots=True)
class Case:
    """One consuming step of a flow, reached through one link."""

    step: str
    operation: str
    grant_type: str | None
    after: str | None
    recipe: Recipe
    fed_by: str = ""  # the operation whose answer hands out the case's token

    @property
    def fed_by_start(self) -> bool:
        """Whether the case's token comes from a start step (E1, E4, E11), which itself takes no token."""
        return self.fed_by in {op.operation_id for op in start_operations()}

    @property
    def path(self) -> str:
        return openapi.operation(self.operation).path

    @property
    def id(self) -> str:
        """`E13 /resetpassword/v1.0/continue`, `E6 /oauth2/v2.0/token grant_type=password`, … `after E15`."""
        parts = [self.step, self.path]
        if (
            self.grant_type
            and len(grants(self.operation)) > 1
            and self.step == openapi.operation(self.operation).doc_tag
        ):
            parts.append(f"grant_type={self.grant_type}")
        if self.after:
            parts.append(f"after {self.after}")
        return " ".join(parts)

    @property
    def takes_grant(self) -> bool:
        return bool(grants(self.operation))

    def reach(self, chain: Chain) -> Reached:
        return self.recipe(chain)


def prepare(case: Case, kit: Kit) -> Reached:
    """The case's step reached with an expiry kit's client and verdict (the `expiry` marker's `prepare`)."""
    return case.reach(Chain(kit.target, kit.client, kit.verdict))


def _unrecipied(link: openapi.Link) -> Recipe:
    def skip(chain: Chain) -> Reached:
        pytest.skip(f"no reach recipe for the link {link.source} → {link.name} (conformance/suites/chaining.py)")

    return skip


@cache
def cases() -> tuple[Case, ...]:
    """Every consuming step, one case per link feeding it (and per grant type where a link feeds several)."""
    found: dict[str, Case] = {}
    for link in openapi.links():
        body = dict(link.body)
        fallback = (Variant(openapi.operation(link.target).doc_tag, _unrecipied(link), after=link.source),)
        for variant in RECIPES.get((link.source, link.name), fallback):
            grant = variant.grant_type or body.get("grant_type")
            case = Case(variant.step, link.target, grant, variant.after, variant.recipe, link.source)
            found.setdefault(case.id, case)
    order = [op.operation_id for op in openapi.operations()]
    return tuple(sorted(found.values(), key=lambda case: order.index(case.operation)))
