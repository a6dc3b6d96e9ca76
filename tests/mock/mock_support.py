"""What the mock-tenant tests share: the bundled tenant's applications and users, and `MockApi`, their way in.

A test reaches a step the way the suites do, through the walker (`conformance.walker`): `api.actor(app)` is an actor
of one application on the test's own mock (its steps, the mock's outbox as OTP source). Requests a walk does not send
go by operationId (`api.send("signupStart", ...)`, paths from the OpenAPI document), and every answer, the walker's
included, is checked against the contract schemas as it arrives.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from starlette.applications import Starlette

from conformance.client import ApiResponse, Exchange, NativeAuthClient
from conformance.steps import NativeAuthSteps
from conformance.target import EMBEDDED_HTTP, Target, mock_target
from conformance.transport import InProcessTransport
from conformance.verdicts import Verdict
from conformance.walker import Actor

ORIGIN = "http://mock.test"  # where a test's in-process mock is reached
PASSWORD_APP = "00001111-aaaa-2222-bbbb-3333cccc4444"  # email+password, SSPR, MFA (displayName required)
BASIC_APP = "11112222-bbbb-3333-cccc-4444dddd5555"  # email+password, SSPR, no MFA (postalCode required)
OTP_APP = "22223333-cccc-4444-dddd-5555eeee6666"  # email OTP (displayName required)
CONFIDENTIAL_APP = "33334444-dddd-5555-eeee-6666ffff7777"
DISABLED_APP = "44445555-eeee-6666-ffff-7777aaaa8888"
CASEY, CASEY_PASSWORD = "casey@contoso.com", "Casey-Pass-2026!"  # strong methods: e-mail and SMS
ROBIN, ROBIN_PASSWORD = "robin@contoso.com", "Robin-Pass-2026!"  # no strong method yet
AVERY = "avery@contoso.com"  # e-mail OTP
CASEY_MFA_EMAIL, CASEY_PHONE = "casey.mfa@fabrikam.com", "+14255550100"
SMS = "+14255550123"  # a number the mock sends SMS codes to (outbox)
CAPS = "mfa_required registration_required"


def fresh_email() -> str:
    """An address no account has."""
    return f"qa+{uuid.uuid4().hex[:12]}@example.com"


class ContractViolation(AssertionError):
    """A mock answer that does not match the documented schema."""


class MockApi:
    """The walker's actors on one mock, documented requests by operationId, and the mock's control API (`http`).

    Every answer is checked against the contract schemas (unless `validate` is off, for deviation tests whose point
    is a broken answer); the actors share one verdict, which a walk fills when a step does not answer as documented."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.validate = True
        self.verdict = Verdict()
        self.native = NativeAuthClient(
            target.profile.base_url, transport=target.transport, max_retries=0, recorder=self._check
        )
        self.http = httpx.Client(transport=target.transport, base_url=target.profile.control_url or "", timeout=10)

    def _check(self, exchange: Exchange) -> None:
        if self.validate and exchange.status != 429 and exchange.schema_errors:
            body = str(exchange.response_body)[:400]
            raise ContractViolation(f"{exchange.url} {exchange.status}: {exchange.schema_errors} in {body}")

    def __enter__(self) -> MockApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.native.close()
        self.http.close()

    # --- the walker's way in -----------------------------------------------------------------------------------------

    def actor(self, client_id: str = BASIC_APP, request_id: str | None = None) -> Actor:
        """An actor of the application `client_id` (its user flow as the mock's profile describes it), sending
        `request_id` as every request's client-request-id (a fresh one per request when None)."""
        app = next(app for app in self.target.profile.apps() if app.client_id == client_id)
        steps = NativeAuthSteps(self.native, client_id, request_id)
        return Actor(steps, self.target.otp, self.verdict, self.target.profile, app.tenant)

    def tokens(self, client_id: str, token: str | None, scope: str = "openid offline_access", **extra: str) -> dict:
        """E6 with `grant_type=continuation_token` (auto sign-in after a flow), which must succeed; the body."""
        return self.ok("token", client_id=client_id, continuation_token=token, grant_type="continuation_token",
                       scope=scope, **extra)

    # --- requests no walk sends --------------------------------------------------------------------------------------

    def send(self, operation: str, crid: str | None = None, **form: str | None) -> ApiResponse:
        """POST a form (None values are left out) to the operation (`signupStart`, …) with this client-request-id."""
        return self.native.send(operation, form, client_request_id=crid)

    def ok(self, operation: str, **form: str | None) -> dict[str, Any]:
        """Send and demand HTTP 200; the body."""
        response = self.send(operation, **form)
        assert response.status == 200, response.body
        return response.json

    def fails(self, operation: str, error: str, suberror: str | None = None, **form: str | None) -> dict[str, Any]:
        """Send and demand the documented `error` (and `suberror`); the body."""
        response = self.send(operation, **form)
        assert (response.error, response.suberror) == (error, suberror), response.body
        return response.json

    # --- the control API ---------------------------------------------------------------------------------------------

    def otp(self, address: str) -> str:
        """The newest code the mock sent to `address`."""
        messages = self.http.get("/_mock/outbox", params={"to": address}).json()["messages"]
        assert messages, f"no OTP sent to {address}"
        return messages[-1]["code"]

    def advance(self, seconds: float) -> None:
        """Move the mock clock forward (for everyone)."""
        assert self.http.post("/_mock/clock", json={"advance_seconds": seconds}).status_code == 200

    def deviate(self, *names: str) -> None:
        """Switch deviations on."""
        assert self.http.post("/_mock/deviations", json={"enable": list(names)}).status_code == 200


@contextlib.contextmanager
def mock_api(app: Starlette) -> Iterator[MockApi]:
    """A `MockApi` on `app`, in-process."""
    transport = InProcessTransport(app)
    try:
        with mock_target(ORIGIN, transport) as target, MockApi(target) as api:
            yield api
    finally:
        transport.shutdown()


@contextlib.contextmanager
def served_api(origin: str) -> Iterator[MockApi]:
    """A `MockApi` on the mock served at `origin` (real HTTP)."""
    with mock_target(origin, label=EMBEDDED_HTTP) as target, MockApi(target) as api:
        yield api


@contextlib.contextmanager
def in_process(app: Starlette) -> Iterator[httpx.Client]:
    """A plain synchronous client reaching `app` in-process (hand-built requests); its event-loop thread ends with
    the block."""
    transport = InProcessTransport(app)
    try:
        with httpx.Client(transport=transport, base_url=ORIGIN) as client:
            yield client
    finally:
        transport.shutdown()
