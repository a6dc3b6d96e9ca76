"""Documented flows composed from steps (api-reference.md §2.1); each step's answer is checked as it goes."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from conformance import checks
from conformance.client import ApiResponse
from conformance.otp import OtpSource
from conformance.steps import NativeAuthSteps
from conformance.target import TargetProfile, Tenant
from conformance.verdicts import Verdict

SAMPLE_VALUES = ("Casey Jensen", "98052", "12345", "Contoso", "true", "42", "Seattle", "casey@contoso.com")


@dataclass
class SignUpOutcome:
    """The last successful E3 answer and the flow-control 400s (credential_required, attributes_required) on the way."""

    response: ApiResponse
    address: str
    password: str | None
    detours: list[ApiResponse]


class FlowStopped(Exception):
    """A documented flow could not go on because a step did not answer as documented (already in the verdict)."""


def new_password() -> str:
    """A password that meets the documented default complexity (upper, lower, digit, symbol; 8–256 characters)."""
    return f"Nq7!{secrets.token_urlsafe(12)}-x"


def attribute_values(tenant: Tenant, *, required_only: bool = True) -> dict[str, str]:
    """Valid values for the user flow's attributes, per their options or regex (§7.4)."""
    values: dict[str, str] = {}
    for attribute in tenant.attributes:
        if required_only and not attribute.required:
            continue
        if attribute.options:
            values[attribute.name] = attribute.options[0]
            continue
        pattern = re.compile(attribute.regex) if attribute.regex else None
        values[attribute.name] = next(
            (sample for sample in SAMPLE_VALUES if pattern is None or pattern.fullmatch(sample)), SAMPLE_VALUES[0]
        )
    return values


@dataclass
class Actor:
    """A client application acting for one user: steps, the OTP source, the verdict and the app's user flow."""

    steps: NativeAuthSteps
    otp: OtpSource
    verdict: Verdict
    profile: TargetProfile
    tenant: Tenant

    def expect(self, response: ApiResponse, requirement: str) -> ApiResponse:
        """Stop the flow unless the step succeeded as documented."""
        if not checks.success(self.verdict, response, requirement):
            raise FlowStopped(f"{response.operation} answered HTTP {response.status} {response.error or ''}")
        return response

    def challenge_with_code(
        self, address: str, challenge: Callable[[], ApiResponse], requirement: str
    ) -> tuple[ApiResponse, str]:
        """Send an OTP challenge and read the code that arrives for `address` (§7.5)."""
        mark = self.otp.mark(address)
        response = self.expect(challenge(), requirement)
        return response, self._code_sent(address, mark, response)

    def challenge_with_code_unless_preverified(
        self, address: str, challenge: Callable[[], ApiResponse], requirement: str
    ) -> tuple[ApiResponse, str | None]:
        """`challenge_with_code` for E9, which sends no code when it answers `preverified` (§E9 Success B)."""
        mark = self.otp.mark(address)
        response = self.expect(challenge(), requirement)
        if response.json.get("challenge_type") == "preverified":
            return response, None
        return response, self._code_sent(address, mark, response)

    def _code_sent(self, address: str, mark: object, response: ApiResponse) -> str:
        """The code the challenge `response` announced, arrived for `address` after `mark`, of the announced length."""
        length = response.json.get("code_length", self.tenant.otp_length)
        code = self.otp.fetch(address, after=mark, code_length=length, timeout=self.profile.otp.timeout_s)
        self.verdict.equal(len(code), length, "R-OTP-CODE-LENGTH", "length of the code sent")
        return code


def sign_up(
    actor: Actor,
    address: str,
    *,
    password: str | None = None,
    password_at_start: bool = True,
    attributes_at_start: bool = True,
) -> SignUpOutcome:
    """Sign up `address` (§2.1); the last successful E3 answer's token feeds auto sign-in."""
    steps, tenant = actor.steps, actor.tenant
    uses_password = tenant.auth_method == "email_password"
    password = password or (new_password() if uses_password else None)
    attributes = attribute_values(tenant)
    start = actor.expect(
        steps.signup_start(
            address,
            challenge_type=challenge_types(tenant),
            password=password if password_at_start else None,
            attributes=attributes if attributes_at_start and attributes else None,
        ),
        "E1",
    )
    challenge, code = actor.challenge_with_code(
        address,
        lambda: steps.signup_challenge(start.continuation_token or "", challenge_type=challenge_types(tenant)),
        "E2",
    )
    answer = steps.signup_continue(challenge.continuation_token or "", "oob", oob=code)
    detours: list[ApiResponse] = []
    for _ in range(3):
        if answer.status == 200:
            break
        detours.append(answer)
        if answer.error == "credential_required" and password:
            credential = actor.expect(
                steps.signup_challenge(answer.continuation_token or "", challenge_type="password redirect"), "E2"
            )
            answer = steps.signup_continue(credential.continuation_token or "", "password", password=password)
        elif answer.error == "attributes_required":
            answer = steps.signup_continue(answer.continuation_token or "", "attributes", attributes=attributes)
        else:
            break
    return SignUpOutcome(actor.expect(answer, "E3a"), address, password, detours)


def sign_in(actor: Actor, address: str, *, password: str | None = None, scopes: list[str] | None = None) -> ApiResponse:
    """Sign in with a password or an emailed code (§2.1) and return the token answer."""
    steps = actor.steps
    scope = scopes or list(actor.profile.scopes)
    initiate = actor.expect(steps.signin_initiate(address, challenge_type=challenge_types(actor.tenant)), "E4")
    if password is not None:
        challenge = actor.expect(
            steps.signin_challenge(initiate.continuation_token or "", challenge_type="password redirect"), "E5"
        )
        return steps.token(challenge.continuation_token or "", "password", password=password, scope=scope)
    challenge, code = actor.challenge_with_code(
        address,
        lambda: steps.signin_challenge(initiate.continuation_token or "", challenge_type="oob redirect"),
        "E5",
    )
    return steps.token(challenge.continuation_token or "", "oob", oob=code, scope=scope)


def challenge_types(tenant: Tenant) -> str:
    """The challenge types an app of this user flow advertises (§7.2 usage matrix), always with `redirect`."""
    return "oob password redirect" if tenant.auth_method == "email_password" else "oob redirect"


PENDING_POLL = ("not_started", "in_progress")  # poll_completion statuses that ask to poll again (§E15)
Wait = Callable[[float], str | None]
"""Let seconds pass on the target; returns the `client-request-id` a request must carry to see that time (or None)."""


@dataclass
class ResetOutcome:
    """Every answer of one password reset (§2.1 SSPR): E11 start, E12 challenge, E13 continue, E14 submit, last E15."""

    start: ApiResponse
    challenge: ApiResponse
    verified: ApiResponse
    submitted: ApiResponse
    polled: ApiResponse


def reset_password_outcome(
    actor: Actor, address: str, password: str, wait: Wait, *, capabilities: str | None = None
) -> ResetOutcome:
    """Reset the password of `address` (§2.1 SSPR), polling as `poll_interval` asks; every step's answer is kept."""
    steps = actor.steps
    start = actor.expect(steps.sspr_start(address, capabilities=capabilities), "E11")
    challenge, code = actor.challenge_with_code(
        address, lambda: steps.sspr_challenge(start.continuation_token or ""), "E12"
    )
    verified = actor.expect(steps.sspr_continue(challenge.continuation_token or "", code), "E13")
    submitted = actor.expect(steps.sspr_submit(verified.continuation_token or "", password), "E14")
    polled = poll_until_done(actor, submitted.continuation_token or "", wait, interval=poll_interval(submitted))
    return ResetOutcome(start, challenge, verified, submitted, polled)


def poll_interval(submitted: ApiResponse) -> float:
    """The seconds E14's `poll_interval` asks a client to wait between polls (1 when it gives none)."""
    interval = submitted.json.get("poll_interval")
    return float(interval) if type(interval) is int and interval > 0 else 1.0


def poll_until_done(
    actor: Actor,
    token: str,
    wait: Wait,
    *,
    interval: float = 1.0,
    max_polls: int = 20,
    pending: ApiResponse | None = None,
) -> ApiResponse:
    """Poll E15 with the /submit `token` until the reset has succeeded or failed, letting `interval` seconds (E14's
    `poll_interval`) pass between polls (§E15); `pending` is a pending answer the caller already has.

    Like the client libraries, every poll sends the /submit token (R-SSPR-POLL-REPOLL, ERR-71). A target that refuses
    it again but handed out a token with its pending answer gets a warning, and the walk goes on with that token."""
    crid, chained = None, False
    handed = pending.continuation_token if pending is not None else None
    if pending is not None:
        crid = wait(interval)
    for _ in range(max_polls):
        polled = actor.steps.with_request_id(crid).sspr_poll_completion(token)
        if polled.status != 200 and not chained and handed:
            actor.verdict.check(
                False,
                "R-SSPR-POLL-REPOLL",
                f"polling again with the /submit token was refused ({polled.error}); polling on with the token the "
                "pending answer handed out",
            )
            token, chained = handed, True
            polled = actor.steps.with_request_id(crid).sspr_poll_completion(token)
        polled = actor.expect(polled, "E15")
        status = polled.json.get("status")
        if status in {"succeeded", "failed"}:
            return polled
        actor.verdict.check(status in PENDING_POLL, "R-SSPR-POLL", f"unknown status {status!r}")
        handed = polled.continuation_token
        if chained and handed:
            token = handed
        crid = wait(interval)
    raise FlowStopped(f"password reset still not complete after {max_polls} polls")


@dataclass
class Registration:
    """The answers of one strong-method registration (§5): E8 introspect, E9 challenge, E10 continue."""

    introspected: ApiResponse
    challenged: ApiResponse
    registered: ApiResponse


def register_method(actor: Actor, token: str, address: str, channel: str = "email") -> Registration:
    """Register `address` (an email address, or a phone number for `sms`) as a strong method from a
    `registration_required` token: E8 → E9 → E10 (§5), with the code sent there, or with
    `grant_type=continuation_token` when E9 answers `preverified`."""
    steps = actor.steps
    introspected = actor.expect(steps.register_introspect(token), "E8")
    challenged, code = actor.challenge_with_code_unless_preverified(
        address,
        lambda: steps.register_challenge(introspected.continuation_token or "", address, challenge_channel=channel),
        "E9",
    )
    next_token = challenged.continuation_token or ""
    if code is None:
        registered = steps.register_continue(next_token, "continuation_token")
    else:
        registered = steps.register_continue(next_token, "oob", oob=code)
    return Registration(introspected, challenged, actor.expect(registered, "E10"))


@dataclass
class SignInAnswers:
    """Every answer of one sign-in (§2.1): initiate (E4), challenge (E5, with the code it sent) and token (E6)."""

    initiate: ApiResponse
    challenge: ApiResponse
    token: ApiResponse
    code: str | None = None


def sign_in_answers(
    actor: Actor, address: str, *, password: str | None = None, scopes: list[str] | None = None
) -> SignInAnswers:
    """Sign in like `sign_in` (a password, else the emailed code) and keep each step's answer for checking."""
    steps = actor.steps
    scope = scopes or list(actor.profile.scopes)
    initiate = actor.expect(steps.signin_initiate(address, challenge_type=challenge_types(actor.tenant)), "E4")
    token = initiate.continuation_token or ""
    if password is not None:
        challenge = actor.expect(steps.signin_challenge(token, challenge_type="password redirect"), "E5")
        answer = steps.token(challenge.continuation_token or "", "password", password=password, scope=scope)
        return SignInAnswers(initiate, challenge, answer)
    challenge, code = actor.challenge_with_code(
        address, lambda: steps.signin_challenge(token, challenge_type="oob redirect"), "E5"
    )
    answer = steps.token(challenge.continuation_token or "", "oob", oob=code, scope=scope)
    return SignInAnswers(initiate, challenge, answer, code)
