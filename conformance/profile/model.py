"""A target profile's types: what the suite must know about a tenant; secrets stay in environment variables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from conformance.redaction import remember
from conformance.verdicts import SeverityPolicy

AuthMethod = str  # a term of the `auth_methods` vocabulary (specs/vocabulary.yaml)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CLIENT_ID_SCHEMA = "common/form.json#/$defs/client_id"
EXAMPLE_CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"
DEFAULT_SCOPES = ("openid", "offline_access")  # a profile without `scopes`: ID token and refresh token asked for


class ProfileError(ValueError):
    """A profile the suite cannot use; the message is one line: `file: key: problem`."""


@dataclass(frozen=True)
class Secret:
    """A secret read from an environment variable when revealed; its repr shows the variable's name only."""

    name: str
    origin: str = field(default="", repr=False, compare=False)
    _literal: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def literal(cls, label: str, value: str) -> Secret:
        """A secret held in memory (the embedded mock's seeded passwords), shown as its label."""
        return cls(label, _literal=value)

    def __repr__(self) -> str:
        return f"Secret({self.name!r})"

    __str__ = __repr__

    def reveal(self) -> str:
        """The secret's value; ProfileError when its environment variable is unset."""
        if self._literal is not None:
            return remember(self._literal)
        value = os.environ.get(self.name)
        if not value:
            raise ProfileError(f"{self.origin or self.name}: environment variable {self.name} is not set")
        return remember(value)


@dataclass(frozen=True)
class Attribute:
    """A user attribute the tenant collects at sign-up (api-reference.md §7.4)."""

    name: str
    type: str = "string"  # a term of the `attribute_types` vocabulary: the values sent follow it (a Boolean "true")
    required: bool = False
    regex: str | None = None
    options: tuple[str, ...] = ()
    input_type: str = "TextBox"  # a term of the `input_types` vocabulary


@dataclass(frozen=True)
class UserFlow:
    """The tenant's configuration as far as the suite must know it."""

    auth_method: AuthMethod
    sspr: bool = False
    mfa: bool = False
    username_signin: bool = False
    otp_length: int = 8
    attributes: tuple[Attribute, ...] = ()
    banned_passwords: tuple[str, ...] = ()
    sms_blocked_by_admin: str | None = None  # a phone number in a region the administrator blocked for SMS
    sms_blocked_by_rep: str | None = None  # a phone number the SMS provider blocks for its reputation
    sms_number: str | None = None  # a phone number whose SMS codes the OTP source reads (SMS method registration)


@dataclass(frozen=True)
class ExistingUser:
    """A user that already exists in the tenant (sign-in, SSPR and MFA tests)."""

    email: str
    auth_method: AuthMethod
    password: Secret | None = None
    mfa_methods: tuple[str, ...] = ()
    interaction_required: bool = False  # a Conditional Access policy needs browser interaction to sign them in


@dataclass(frozen=True)
class Signup:
    """How the suite invents addresses for new users; `address_template` contains `{id}`."""

    address_template: str

    def address(self, unique: str) -> str:
        """The sign-up address for one unique id."""
        return self.address_template.format(id=unique)


@dataclass(frozen=True)
class OutboxOtp:
    """OTPs read from a mock's control API (`GET {control_url}/_mock/outbox`)."""

    control_url: str
    timeout_s: float = 10.0
    poll_interval_s: float = 0.1


@dataclass(frozen=True)
class ImapOtp:
    """OTPs read from a mailbox over IMAP: TLS from the start (`ssl`, port 993), a plain connection upgraded with
    STARTTLS (`starttls`, port 143), or plain IMAP; the server's certificate is checked against the system's CAs or
    `ca_file` (PEM)."""

    host: str
    username: Secret
    password: Secret
    port: int = 993
    ssl: bool = True
    starttls: bool = False
    ca_file: Path | None = None
    mailbox: str = "INBOX"
    timeout_s: float = 60.0
    poll_interval_s: float = 2.0


@dataclass(frozen=True)
class CommandOtp:
    """OTPs printed by a command run as `argv + [address]` (`{python}` in argv is this interpreter)."""

    argv: tuple[str, ...]
    timeout_s: float = 30.0
    poll_interval_s: float = 1.0


OtpConfig = OutboxOtp | ImapOtp | CommandOtp


@dataclass(frozen=True)
class Pacing:
    """How hard the suite may push the target (`requests_per_second = 0`: unpaced) and how long one request may take,
    connect to last byte (`request_timeout_s`)."""

    requests_per_second: float = 2.0
    max_retries: int = 3
    max_retry_after_s: float = 30.0
    request_timeout_s: float = 30.0


@dataclass(frozen=True)
class Limits:
    """Lifetimes the expiry tests wait out (seconds; None when the tenant's is not known, and its tests skip)."""

    continuation_token_lifetime_s: int | None = None
    otp_lifetime_s: int | None = None
    refresh_token_lifetime_s: int | None = None


@dataclass(frozen=True)
class Application:
    """One application registration of the tenant and the user flow it is linked to."""

    name: str
    client_id: str
    tenant: UserFlow


@dataclass(frozen=True)
class TargetProfile:
    """Everything the suite knows about one target."""

    name: str
    base_url: str
    client_id: str
    tenant: UserFlow
    signup: Signup
    otp: OtpConfig
    second_client_id: str | None = None
    confidential_client_id: str | None = None
    disabled_client_id: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    users: tuple[ExistingUser, ...] = ()
    pacing: Pacing = field(default_factory=Pacing)
    limits: Limits = field(default_factory=Limits)
    control_url: str | None = None
    expected_deviations: tuple[str, ...] = ()
    applications: tuple[Application, ...] = ()
    severity: SeverityPolicy = field(default_factory=SeverityPolicy)

    def apps(self) -> tuple[Application, ...]:
        """Every application the suite may use: the main one (`client_id` + `[tenant]`) first."""
        return (Application("main", self.client_id, self.tenant), *self.applications)
