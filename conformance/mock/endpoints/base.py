"""What every endpoint handler gets: the mock's services and one request's form, with the checks all endpoints share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from starlette.types import Scope

from conformance.contract import openapi
from conformance.contract.errors import ErrorTable
from conformance.contract.vocabulary import pattern, terms, usage
from conformance.mock.config import AppConfig, TenantConfig, UserFlowConfig
from conformance.mock.envelope import ApiError
from conformance.mock.forms import Form
from conformance.mock.state import Flow, MockState, Otp, TokenProblem, TokenRecord
from conformance.mock.tokens import Signer
from conformance.mock.validation import mask

#: Deviations that answer one condition as if another were met (conformance/mock/deviations.py).
ANSWERED_AS = {
    "weak_password_as_too_short": ("weak_password", "short_password"),
    "wrong_otp_as_invalid_request": ("wrong_otp", "invalid_parameter"),
    "unknown_grant_as_invalid_grant": ("unknown_grant_type", "wrong_grant_type"),
}


@dataclass(slots=True)
class Mock:
    """The services of one mock tenant: configuration, state, signing key, error table, and the origin clients reach it
    at when it was fixed at start (see `origin_of`)."""

    tenant: TenantConfig
    state: MockState
    signer: Signer
    table: ErrorTable
    origin: str | None = None

    def origin_of(self, scope: Scope) -> str:
        """Where clients reach the mock (token `iss`, discovery URLs): the origin fixed at start, else the address the
        server listens on (the ASGI `server`, from the listening socket); never a request's `Host` header."""
        if self.origin:
            return self.origin
        scheme, server = scope.get("scheme", "http"), scope.get("server")
        if not server:
            return f"{scheme}://localhost"
        host, port = server
        host = f"[{host}]" if ":" in host else host
        default = {"http": 80, "https": 443}.get(scheme)
        return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


@dataclass(slots=True)
class Call:
    """One request to a native-auth endpoint, answered from the error table `table`."""

    mock: Mock
    path: str
    table: str
    form: Form
    correlation_id: str
    client_request_id: str | None
    origin: str
    consumed: str | None = None
    record: TokenRecord | None = None

    @property
    def state(self) -> MockState:
        """The tenant's mutable state."""
        return self.mock.state

    @property
    def tenant(self) -> TenantConfig:
        """The tenant configuration."""
        return self.mock.tenant

    @property
    def now(self) -> float:
        """Mock-clock time."""
        return self.mock.state.clock.now()

    def fail(self, condition: str, *, table: str | None = None, **extra: Any) -> ApiError:
        """The ApiError for `condition` (specs/conditions.yaml) met at this step: the row the step's table lists for
        it in specs/errors.yaml, or the row of the condition's fallback where the table lists none."""
        for name, (met, answered) in ANSWERED_AS.items():
            if condition == met and self.state.deviating(name):
                condition = answered
        row, met = self.mock.table.served(table or self.table, condition)
        return ApiError(row.id, condition=met, **extra)

    def wrong_grant(self, grant_type: str | None) -> ApiError:
        """A `grant_type` this step does not take: a documented one of another step, or one nobody documents."""
        condition = "wrong_grant_type" if grant_type in openapi.grant_types() else "unknown_grant_type"
        return self.fail(condition, detail=f"The grant type '{(grant_type or '')[:40]}' is not supported here.")

    def param(self, name: str, *, required: bool = True) -> str | None:
        """A form field; a missing or empty required one is this endpoint's `invalid_request`."""
        value = self.form.get(name)
        if value is None or not value.strip():
            if required:
                raise self.fail(
                    "invalid_parameter", detail=f"The request body must contain the following parameter: '{name}'."
                )
            return None
        return value

    def client(self) -> AppConfig:
        """The calling app; refused as the table documents if missing, malformed, unknown, confidential or disabled."""
        if self.form.get("client_id") == "" and self.state.deviating("empty_client_id_unauthorized"):
            raise self.fail("unknown_client", detail="Application '' was not found in the directory.")
        raw = self.param("client_id")
        assert raw is not None
        if not pattern("guid").match(raw.strip()):
            raise self.fail("invalid_parameter", detail=f"The client_id '{raw[:64]}' is not a valid GUID.")
        app = self.tenant.app(raw.strip())
        if app is None:
            raise self.fail(
                "unknown_client", detail=f"Application with identifier '{raw.strip()}' was not found in the directory."
            )
        if not app.public:
            raise self.fail("confidential_client", detail="Confidential clients are not supported by native auth.")
        if not app.native_auth:
            raise self.fail("native_auth_disabled", detail="The application is not enabled for native authentication.")
        return app

    def user_flow(self, app: AppConfig) -> UserFlowConfig:
        """The user flow the app is bound to."""
        return self.tenant.flow_of(app)

    def challenge_types(self, app: AppConfig, *, required: bool) -> frozenset[str] | None:
        """The parsed `challenge_type` list (§7.2): unknown values are `invalid_request`, no `redirect` is
        `unsupported_challenge_type` (ERR-01 ruling: the table wins over the example), as the conditions say."""
        raw = self.param("challenge_type", required=required)
        if raw is None:
            return None
        values = raw.split()
        unknown = [v for v in values if v not in usage().every or v not in app.challenge_types]
        if unknown:
            raise self.fail("unknown_challenge_type", detail=f"Unsupported challenge type '{unknown[0][:40]}'.")
        if values == ["redirect"] and self.state.deviating("redirect_alone_continues"):
            return frozenset(app.challenge_types)
        if usage().always not in values:
            raise self.fail(
                "no_redirect", detail="The challenge_type list parameter does not include the 'redirect' type."
            )
        return frozenset(values)

    def capabilities(self) -> frozenset[str]:
        """The parsed `capabilities` list (§7.3); an unknown capability is `invalid_request`."""
        raw = self.param("capabilities", required=False)
        values = frozenset(raw.split()) if raw else frozenset()
        unknown = sorted(values - set(terms("capabilities").names()))
        if unknown:
            raise self.fail("unknown_capability", detail=f"Unsupported capability '{unknown[0][:40]}'.")
        return values

    def peek(self, *steps: str) -> TokenRecord | None:
        """The record behind the presented token if it is usable at `steps` (nothing is raised or spent)."""
        value = self.form.get("continuation_token")
        client_id = (self.form.get("client_id") or "").strip()
        if not value:
            return None
        try:
            return self.state.check(value, steps, client_id)
        except TokenProblem:
            return None

    def take(self, *steps: str) -> Flow:
        """The flow behind the presented continuation token, which must be usable at one of `steps`.

        The token is spent when the step succeeds or answers an error carrying a new token (`token()` spends it); an
        error without a new token (a wrong OTP or password) leaves it usable so the user can correct the input.
        """
        value = self.param("continuation_token")
        assert value is not None
        try:
            record = self.state.check(value, steps, (self.form.get("client_id") or "").strip())
        except TokenProblem as problem:
            step = self.table.lower()
            if problem.expired and not self.state.deviating(f"expired_as_invalid_request_{step}"):
                raise self.fail("expired_token", detail="The continuation_token is expired.") from None
            if problem.expired or self.state.deviating(f"invalid_token_as_invalid_request_{step}"):
                raise self.fail("invalid_parameter", detail="The continuation_token is not valid.") from None
            raise self.fail("invalid_token", detail="The continuation_token is invalid.") from None
        self.consumed, self.record = value, record
        return record.flow

    def take_with_code(self, *steps: str, detail: str = "The one-time passcode is invalid.") -> tuple[Flow, Otp]:
        """`take(*steps)` for a request carrying an emailed/texted code in `oob`: the flow and the OTP it matched
        (consumed). A wrong or expired code is `invalid_grant` / `invalid_oob_value` and leaves the token usable."""
        code = self.param("oob")
        flow = self.take(*steps)
        assert code is not None
        self.throttle("otp", flow.username)
        otp = self.state.verify_otp(flow, code.strip())
        self.state.guessed("otp", flow.username, right=otp is not None)
        if otp is None:
            raise self.fail("wrong_otp", detail=detail)
        return flow, otp

    def throttle(self, kind: str, address: str) -> None:
        """Refuse a guess of `kind` ("otp", "password") while the tenant's attempt limits lock `address`: HTTP 429 (or
        the row's own status) with `Retry-After` and the generic `temporarily_unavailable` body; the token stays."""
        seconds = self.state.throttled_for(kind, address)
        if seconds > 0:
            what = "one-time passcodes" if kind == "otp" else "passwords"
            raise self.fail(
                "throttled",
                table="G-token",
                status=self.tenant.attempt_limits.status,
                detail=f"Too many wrong {what}; try again later.",
                headers={"Retry-After": str(math.ceil(seconds))},
            )

    def spend(self) -> None:
        """Spend the presented token (on success, redirect, or an error that hands out a new one)."""
        if self.consumed is not None:
            self.state.spend(self.consumed)
            self.consumed = None

    def token(self, flow: Flow, *steps: str, lifetime: int | None = None) -> str:
        """Spend the presented token and mint the next one, usable at `steps`."""
        self.spend()
        return self.state.issue(flow, steps, lifetime)

    def send_otp(self, flow: Flow, channel: str, target: str, purpose: str) -> dict[str, Any]:
        """Send an OTP and return the documented OTP-challenge fields (without the continuation token)."""
        self.state.send_otp(flow, channel, target, purpose, self.client_request_id)
        label = target if self.state.deviating("unmasked_challenge_target_label") else mask(channel, target)
        return {
            "challenge_type": "oob",
            "binding_method": "prompt",
            "challenge_channel": channel,
            "challenge_target_label": label,
            "code_length": self.tenant.otp_length,
        }
