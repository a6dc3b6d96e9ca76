"""What every walk shares: the actor (an app acting for one user), the step a walk hands over, and the values it sends.

A walk stops with `FlowStopped` when a step does not answer as documented (the finding is already in the verdict).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from conformance import checks
from conformance.client import ApiResponse
from conformance.contract.vocabulary import terms, usage
from conformance.otp import OtpSource
from conformance.profile import Attribute, TargetProfile, UserFlow
from conformance.steps import NativeAuthSteps
from conformance.verdicts import Verdict

Form = dict[str, str | None]
User = tuple[str, str | None]
"""An account the run can sign in: (address, password; None in an e-mail OTP user flow)."""
Wait = Callable[[float], str | None]
"""Let seconds pass on the target; returns the `client-request-id` a request must carry to see that time (or None)."""


class FlowStopped(Exception):
    """A documented flow could not go on because a step did not answer as documented (already in the verdict)."""


def new_password() -> str:
    """A password that meets the documented default complexity (upper, lower, digit, symbol; 8–256 characters)."""
    return f"Nq7!{secrets.token_urlsafe(12)}-x"


def attribute_value(attribute: Attribute) -> str:
    """A valid value for one attribute: its first option, else a sample of its data type (specs/vocabulary.yaml)
    matching its regex (§7.4)."""
    if attribute.options:
        return attribute.options[0]
    samples = terms("attribute_types")[attribute.type].samples
    pattern = re.compile(attribute.regex) if attribute.regex else None
    return next((sample for sample in samples if pattern is None or pattern.fullmatch(sample)), samples[0])


def attribute_values(tenant: UserFlow, *, required_only: bool = True) -> dict[str, str]:
    """Valid values for the user flow's attributes, per their type, options or regex (§7.4)."""
    return {a.name: attribute_value(a) for a in tenant.attributes if a.required or not required_only}


def uses_password(tenant: UserFlow) -> bool:
    """Whether the user flow signs in with a password (an e-mail OTP flow takes none, §E1)."""
    return tenant.auth_method == "email_password"


def challenge_types(tenant: UserFlow, flow: str) -> str:
    """The challenge types an app of this user flow advertises in `flow` (`signup`, `signin`, `sspr`: the §7.2 usage
    matrix), always with `redirect`."""
    return usage().advertised(flow, tenant.auth_method)


def first_factor(tenant: UserFlow) -> str:
    """The challenge type of the user flow's first factor (§E5): `password`, or `oob` for e-mail one-time passcodes."""
    return terms("auth_methods")[tenant.auth_method].first_factor or ""


@dataclass
class Actor:
    """A client application acting for one user: steps, the OTP source, the verdict and the app's user flow."""

    steps: NativeAuthSteps
    otp: OtpSource
    verdict: Verdict
    profile: TargetProfile
    tenant: UserFlow

    @property
    def scope(self) -> str:
        """The scopes the profile asks for, as the `scope` parameter sends them."""
        return " ".join(self.profile.scopes)

    def form(self, **fields: str | None) -> Form:
        """A request of this app: its `client_id` and `fields`."""
        return {"client_id": self.steps.client_id, **fields}

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
        """The code the challenge `response` announced, arrived for `address` after `mark`; a code of another length
        than announced is the target's failure (R-OTP-CODE-LENGTH), not a harness timeout."""
        length = response.json.get("code_length", self.tenant.otp_length)
        code = self.otp.fetch(address, after=mark, code_length=length, timeout=self.profile.otp.timeout_s)
        self.verdict.equal(len(code), length, "R-OTP-CODE-LENGTH", "length of the code sent")
        return code


@dataclass
class Reached:
    """The request a step expects, ready to send as is or with fields altered (None leaves a field out); `trail` keeps
    the answers of the steps walked to get there, by step tag."""

    step: str
    operation: str
    form: Form
    address: str
    actor: Actor
    code: str | None = None
    password: str | None = None  # the user's current password, where the run knows it
    trail: dict[str, ApiResponse] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return self.form.get("continuation_token") or ""

    @property
    def user(self) -> User:
        return self.address, self.password

    def send(self, *, client_request_id: str | None = None, **overrides: str | None) -> ApiResponse:
        """Send the step's request with `overrides` applied, with this `client-request-id` when given (else the one
        the actor's steps send, if any)."""
        fields = {**self.form, **overrides}
        crid = client_request_id or self.actor.steps.request_id
        return self.actor.steps.client.send(self.operation, fields, client_request_id=crid)

    def expect(self) -> ApiResponse:
        """Send the step's request, which must succeed as documented (the walk goes on from its answer)."""
        return self.actor.expect(self.send(), self.step)

    def then(self, answer: ApiResponse, step: str, operation: str, form: Form, code: str | None = None) -> Reached:
        """The walk's next step, after this step answered `answer` (kept in the trail)."""
        trail = {**self.trail, self.step: answer}
        return Reached(step, operation, form, self.address, self.actor, code, self.password, trail)
