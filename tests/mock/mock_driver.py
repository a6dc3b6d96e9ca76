"""Drives the mock tenant in tests: a validating request helper, the default tenant's ids, and flow shortcuts."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette

from conformance.contract.schemas import validate_response
from conformance.transport import InProcessTransport

BASE = "/contoso.onmicrosoft.com"
PASSWORD_APP = "00001111-aaaa-2222-bbbb-3333cccc4444"  # email+password, SSPR, MFA
BASIC_APP = "11112222-bbbb-3333-cccc-4444dddd5555"  # email+password, SSPR, no MFA (postalCode required)
OTP_APP = "22223333-cccc-4444-dddd-5555eeee6666"  # email OTP (displayName required)
CONFIDENTIAL_APP = "33334444-dddd-5555-eeee-6666ffff7777"
DISABLED_APP = "44445555-eeee-6666-ffff-7777aaaa8888"
CASEY, CASEY_PASSWORD, CASEY_OLD = "casey@contoso.com", "Casey-Pass-2026!", "Casey-Old-2025!"
ROBIN, ROBIN_PASSWORD = "robin@contoso.com", "Robin-Pass-2026!"
AVERY = "avery@contoso.com"
BLOCKED, BLOCKED_PASSWORD = "blocked@contoso.com", "Blocked-Pass-2026!"
STRONG = "Strong-Pass-4711!"
CAPS = "mfa_required registration_required"


def fresh_email() -> str:
    """An address no account has."""
    return f"qa+{uuid.uuid4().hex[:12]}@example.com"


@contextlib.contextmanager
def in_process(app: Starlette) -> Iterator[httpx.Client]:
    """A synchronous client reaching `app` in-process; its event-loop thread ends with the block."""
    transport = InProcessTransport(app)
    try:
        with httpx.Client(transport=transport, base_url="http://mock.test") as client:
            yield client
    finally:
        transport.shutdown()


class ContractViolation(AssertionError):
    """A mock response that does not match the documented schema."""


@dataclass
class Api:
    """Synchronous driver: every native-auth response is checked against the contract schemas (unless `validate`
    is off, for deviation tests whose point is a broken response)."""

    client: httpx.Client
    validate: bool = True
    seen: list[tuple[str, int]] = field(default_factory=list)

    def post(self, path: str, crid: str | None = None, **form: str | None) -> httpx.Response:
        """POST a form (None values are left out) to a native-auth endpoint."""
        headers = {"client-request-id": crid} if crid else {}
        data = {k: v for k, v in form.items() if v is not None}
        response = self.client.post(BASE + path, data=data, headers=headers)
        self.seen.append((path, response.status_code))
        if self.validate and response.status_code != 429:
            problems = validate_response(path, response.status_code, response.json())
            if problems:
                raise ContractViolation(f"{path} {response.status_code}: {problems} in {response.text[:400]}")
        return response

    def ok(self, path: str, **form: str | None) -> dict[str, Any]:
        """POST and demand HTTP 200."""
        response = self.post(path, **form)
        assert response.status_code == 200, response.text
        return response.json()

    def fails(self, path: str, error: str, suberror: str | None = None, **form: str | None) -> dict[str, Any]:
        """POST and demand the documented error (HTTP 400 unless the row says otherwise)."""
        response = self.post(path, **form)
        body = response.json()
        assert (body.get("error"), body.get("suberror")) == (error, suberror), response.text
        return body

    def otp(self, address: str) -> str:
        """The newest code the mock sent to `address`."""
        messages = self.client.get("/_mock/outbox", params={"to": address}).json()["messages"]
        assert messages, f"no OTP sent to {address}"
        return messages[-1]["code"]

    def advance(self, seconds: float) -> None:
        """Move the mock clock forward."""
        assert self.client.post("/_mock/clock", json={"advance_seconds": seconds}).status_code == 200

    def deviate(self, *names: str) -> None:
        """Switch deviations on."""
        assert self.client.post("/_mock/deviations", json={"enable": list(names)}).status_code == 200

    # --- flows --------------------------------------------------------------------------------------------------------

    def signup_start(self, email: str, *, app: str = OTP_APP, password: str | None = None, attrs: Any = None) -> str:
        """E1 → token."""
        challenge = "oob password redirect" if app != OTP_APP else "oob redirect"
        attributes = json.dumps(attrs) if isinstance(attrs, dict) else attrs
        body = self.ok(
            "/signup/v1.0/start", client_id=app, challenge_type=challenge, username=email, password=password,
            attributes=attributes, capabilities=CAPS if app == PASSWORD_APP else None,
        )
        return body["continuation_token"]

    def signup_to_otp(self, email: str, **start: Any) -> tuple[str, str]:
        """E1 → E2: (token for E3a, the OTP)."""
        app = start.get("app", OTP_APP)
        token = self.signup_start(email, **start)
        body = self.ok("/signup/v1.0/challenge", client_id=app, continuation_token=token)
        return body["continuation_token"], self.otp(email)

    def signup(self, email: str, **start: Any) -> str:
        """A sign-up completed with the OTP (password and attributes sent at start) → token for E6."""
        app = start.get("app", OTP_APP)
        token, code = self.signup_to_otp(email, **start)
        body = self.ok("/signup/v1.0/continue", client_id=app, continuation_token=token, grant_type="oob", oob=code)
        return body["continuation_token"]

    def tokens(self, app: str, token: str, scope: str = "openid offline_access", **extra: str) -> dict[str, Any]:
        """E6 with `grant_type=continuation_token`."""
        return self.ok(
            "/oauth2/v2.0/token", client_id=app, continuation_token=token, grant_type="continuation_token",
            scope=scope, **extra,
        )

    def signin_password_token(self, email: str, *, app: str = BASIC_APP, caps: str | None = None) -> str:
        """E4 → E5 (password) → token for E6 `grant_type=password`."""
        token = self.ok(
            "/oauth2/v2.0/initiate", client_id=app, challenge_type="password redirect", username=email,
            capabilities=caps,
        )["continuation_token"]
        body = self.ok("/oauth2/v2.0/challenge", client_id=app, continuation_token=token)
        assert body["challenge_type"] == "password"
        return body["continuation_token"]

    def password_grant(self, email: str, password: str, *, app: str = BASIC_APP, caps: str | None = None):
        """E4 → E5 → E6 `grant_type=password`; the raw E6 response."""
        token = self.signin_password_token(email, app=app, caps=caps)
        return self.post(
            "/oauth2/v2.0/token", client_id=app, continuation_token=token, grant_type="password", password=password,
            scope="openid offline_access",
        )

    def mfa_token(self, email: str = CASEY, password: str = CASEY_PASSWORD) -> str:
        """Password sign-in on the MFA app → the `mfa_required` continuation token (for E7)."""
        response = self.password_grant(email, password, app=PASSWORD_APP, caps=CAPS)
        assert response.json().get("suberror") == "mfa_required", response.text
        return response.json()["continuation_token"]

    def registration_token(self, email: str = ROBIN, password: str = ROBIN_PASSWORD) -> str:
        """Password sign-in without strong methods on the MFA app → `registration_required` token (for E8)."""
        response = self.password_grant(email, password, app=PASSWORD_APP, caps=CAPS)
        assert response.json().get("suberror") == "registration_required", response.text
        return response.json()["continuation_token"]

    def sspr_to_otp(self, email: str = CASEY, app: str = BASIC_APP) -> tuple[str, str]:
        """E11 → E12: (token for E13, the OTP, read from the address it was sent to)."""
        token = self.ok(
            "/resetpassword/v1.0/start", client_id=app, challenge_type="oob redirect", username=email,
            capabilities=CAPS if app == PASSWORD_APP else None,
        )["continuation_token"]
        body = self.ok("/resetpassword/v1.0/challenge", client_id=app, continuation_token=token)
        messages = self.client.get("/_mock/outbox").json()["messages"]
        return body["continuation_token"], messages[-1]["code"]

    def sspr_to_submit(self, email: str = CASEY, app: str = BASIC_APP) -> str:
        """E11 → E12 → E13: token for E14."""
        token, code = self.sspr_to_otp(email, app)
        body = self.ok(
            "/resetpassword/v1.0/continue", client_id=app, continuation_token=token, grant_type="oob", oob=code
        )
        return body["continuation_token"]
