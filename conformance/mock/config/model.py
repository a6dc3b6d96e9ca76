"""The mock tenant's configuration: what the mock serves (applications, user flows, users, lifetimes, bounds), as
frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.contract.vocabulary import usage


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Password rules of a user flow (api-reference.md §7.6)."""

    min_length: int = 8
    max_length: int = 256
    min_char_classes: int = 3
    banned_words: tuple[str, ...] = ()
    disallowed_chars: str = ""
    printable_ascii_only: bool = True


@dataclass(frozen=True, slots=True)
class AttributeConfig:
    """A user attribute collected at sign-up (§7.4)."""

    name: str
    type: str = "string"
    required: bool = False
    input_type: str = "TextBox"
    regex: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UserFlowConfig:
    """A sign-up/sign-in user flow: primary method, SSPR, MFA, attributes and password policy."""

    name: str
    authentication_method: str
    sspr: bool = False
    mfa: bool = False
    attributes: tuple[AttributeConfig, ...] = ()
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)

    @property
    def uses_password(self) -> bool:
        """True for the email+password method."""
        return self.authentication_method == "email_password"


@dataclass(frozen=True, slots=True)
class AppConfig:
    """An app registration: public or confidential, native auth on or off, bound to one user flow."""

    client_id: str
    name: str
    user_flow: str
    public: bool = True
    native_auth: bool = True
    challenge_types: frozenset[str] = field(default_factory=lambda: frozenset(usage().every))


@dataclass(frozen=True, slots=True)
class MfaMethodSeed:
    """A registered strong authentication method of a seeded user."""

    channel: str
    target: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class UserSeed:
    """A user present when the mock starts (and after every reset)."""

    email: str
    password: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    mfa_methods: tuple[MfaMethodSeed, ...] = ()
    password_history: tuple[str, ...] = ()
    interaction_required: bool = False


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """Lifetimes and intervals in seconds, measured on the mock clock."""

    continuation_token: int = 600
    otp: int = 600
    resend_interval: int = 30
    access_token: int = 3600
    refresh_token: int = 86400
    poll_interval: int = 2


@dataclass(frozen=True, slots=True)
class Retention:
    """How much the mock remembers: bounds that keep its memory and its cost per request flat however long it runs."""

    flows: int = 10_000
    flows_per_address: int = 16
    expired_token_grace: int = 3600
    users: int = 10_000
    outbox: int = 10_000
    outbox_per_address: int = 16
    outbox_max_age: int = 3600
    refresh_tokens: int = 10_000
    scoped_clocks: int = 10_000
    guess_counters: int = 10_000
    faults: int = 10_000


@dataclass(frozen=True, slots=True)
class AttemptLimits:
    """Wrong guesses allowed per address before every guess is throttled for `lockout_seconds` (0 = no limit)."""

    wrong_otp: int = 0
    wrong_password: int = 0
    lockout_seconds: int = 300
    response: str = "http_429"

    @property
    def status(self) -> int | None:
        """HTTP status of a throttled answer: 429, or None for the `temporarily_unavailable` row's own status."""
        return 429 if self.response == "http_429" else None


@dataclass(frozen=True, slots=True)
class TenantConfig:
    """Everything the mock serves: identity, applications, user flows, users, lifetimes, bounds and limits.

    `origin` (scheme://host[:port]) is where clients reach the mock: the issuer and discovery URLs are built from it,
    never from a request's `Host` header; None means the address the server listens on."""

    subdomain: str = "contoso"
    tenant_id: str = "aaaabbbb-0000-cccc-1111-dddd2222eeee"
    display_name: str = "Contoso"
    scopes: tuple[str, ...] = ()
    applications: tuple[AppConfig, ...] = ()
    user_flows: tuple[UserFlowConfig, ...] = ()
    users: tuple[UserSeed, ...] = ()
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    retention: Retention = field(default_factory=Retention)
    attempt_limits: AttemptLimits = field(default_factory=AttemptLimits)
    origin: str | None = None
    otp_length: int = 8
    sms_blocked_regions: tuple[str, ...] = ()
    sms_blocked_numbers: tuple[str, ...] = ()
    deviations: tuple[str, ...] = ()

    def app(self, client_id: str) -> AppConfig | None:
        """The application with this client id (case-insensitive), if any."""
        wanted = client_id.lower()
        return next((app for app in self.applications if app.client_id.lower() == wanted), None)

    def flow_of(self, app: AppConfig) -> UserFlowConfig:
        """The user flow an application is bound to."""
        return next(flow for flow in self.user_flows if flow.name == app.user_flow)
