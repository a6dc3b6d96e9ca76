"""Target profiles: what the suite must know about a tenant, from TOML; secrets stay in environment variables."""

from __future__ import annotations

import os
import re
import ssl
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from conformance.contract import schemas
from conformance.redaction import remember
from conformance.tomlconfig import MISSING, TomlTable, not_utf8
from conformance.verdicts import SeverityPolicy, policy_problem

AuthMethod = Literal["email_otp", "email_password"]
AUTH_METHODS = ("email_otp", "email_password")
INPUT_TYPES = ("TextBox", "SingleRadioSelect", "CheckboxMultiSelect", "CheckboxSingleSelect", "NumericTextBox")
SELECT_TYPES = ("SingleRadioSelect", "CheckboxMultiSelect")  # the input types that choose among `options`
#: An attribute's data type as the docs name it (api-reference.md §7.4: S1 `string`, S13 `Text`/`Boolean`, S15
#: `String`/`Boolean`/`Int`; Graph's `DateTime` and `StringCollection`), case-insensitive → the name the suite uses.
ATTRIBUTE_TYPES = {
    "string": "string",
    "text": "string",
    "boolean": "boolean",
    "int": "int",
    "datetime": "datetime",
    "stringcollection": "stringcollection",
}
CHANNELS = ("email", "sms")
ENDPOINT_PREFIXES = ("/signup/", "/oauth2/", "/resetpassword/", "/register/")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # an SMS `challenge_target` of E9 (§5): + and 7-15 digits (E.164)
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
CLIENT_ID_SCHEMA = "common/form.json#/$defs/client_id"
EXAMPLE_CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"


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
    type: str = "string"  # a value of ATTRIBUTE_TYPES: the values sent follow it (a Boolean gets "true")
    required: bool = False
    regex: str | None = None
    options: tuple[str, ...] = ()
    input_type: str = "TextBox"


@dataclass(frozen=True)
class Tenant:
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
    tenant: Tenant


@dataclass(frozen=True)
class TargetProfile:
    """Everything the suite knows about one target."""

    name: str
    base_url: str
    client_id: str
    tenant: Tenant
    signup: Signup
    otp: OtpConfig
    second_client_id: str | None = None
    confidential_client_id: str | None = None
    disabled_client_id: str | None = None
    scopes: tuple[str, ...] = ("openid", "offline_access")
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


_REFUSED = {"password": "passwords never go in a profile; name an environment variable with password_env"}


class ProfileTable(TomlTable):
    """A table of a target profile: ProfileError, passwords refused, plus URL and secret getters."""

    error_class = ProfileError

    def __init__(self, file: str, where: str, data: Any) -> None:
        super().__init__(file, where, data)
        for key, problem in _REFUSED.items():
            if key in data:
                raise self.error(key, problem)

    def url(self, key: str, default: Any = MISSING) -> Any:
        """An absolute http(s) URL without query or fragment, trailing slash removed."""
        value = self.get(key, str, default)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise self.error(key, f"expected an http(s) URL without query or fragment; got {value!r}")
        return value.rstrip("/")

    def client_id(self, key: str, default: Any = MISSING) -> Any:
        """An application (client) ID: a GUID, as the `client_id` form parameter is documented."""
        value = self.get(key, str, default)
        if value is not None and not schemas.conforms(value, CLIENT_ID_SCHEMA):
            raise self.error(key, f"not a GUID (an application (client) ID is like {EXAMPLE_CLIENT_ID}); got {value!r}")
        return value

    def path(self, key: str) -> Path | None:
        """A readable file, relative to the profile's folder; None when absent."""
        name = self.get(key, str, None)
        if name is None:
            return None
        path = Path(self.file).parent / Path(name).expanduser()
        if not path.is_file() or not os.access(path, os.R_OK):
            raise self.error(key, f"no readable file at {str(path)!r}")
        return path

    def secret(self, key: str) -> Secret:
        """A Secret for the environment variable named under `key`, which must be set now."""
        name = self.text(key, pattern=ENV_NAME)
        if not os.environ.get(name):
            raise self.error(key, f"environment variable {name} is not set")
        return Secret(name, origin=f"{self.file}: {self.key(key)}")


def load_profile(path: str | Path) -> TargetProfile:
    """Read and check a target profile; ProfileError (one line naming file and key) on any problem."""
    file = str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ProfileError(f"{file}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{file}: {not_utf8(exc)}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{file}: not valid TOML: {exc}") from None
    return _parse_profile(ProfileTable(file, "", data), default_name=Path(path).stem)


def _parse_profile(top: ProfileTable, *, default_name: str) -> TargetProfile:
    base_url = top.url("base_url")
    if any(prefix in urlsplit(base_url).path + "/" for prefix in ENDPOINT_PREFIXES):
        raise top.error("base_url", "give the part before /signup/v1.0/... (the tenant's base URL)")
    tenant = _parse_tenant(top.table("tenant", required=True))
    profile = TargetProfile(
        name=top.text("name", default_name),
        base_url=base_url,
        client_id=top.client_id("client_id"),
        second_client_id=top.client_id("second_client_id", None),
        confidential_client_id=top.client_id("confidential_client_id", None),
        disabled_client_id=top.client_id("disabled_client_id", None),
        scopes=top.strings("scopes", ("openid", "offline_access")),
        tenant=tenant,
        users=tuple(_parse_user(table, tenant) for table in top.tables("users")),
        signup=_parse_signup(top.table("signup", required=True)),
        otp=_parse_otp(top.table("otp", required=True)),
        pacing=_parse_pacing(top.table("pacing")),
        limits=_parse_limits(top.table("limits")),
        control_url=_parse_control(top.table("control")),
        expected_deviations=top.strings("expected_deviations"),
        applications=tuple(_parse_application(table) for table in top.tables("applications")),
        severity=_parse_severity(top.table("severity")),
    )
    top.done()
    return profile


def _parse_application(table: ProfileTable) -> Application:
    application = Application(
        name=table.text("name"),
        client_id=table.client_id("client_id"),
        tenant=_parse_tenant(table.table("tenant", required=True)),
    )
    table.done()
    return application


def _parse_tenant(table: ProfileTable) -> Tenant:
    tenant = Tenant(
        auth_method=table.choice("auth_method", AUTH_METHODS),
        sspr=table.get("sspr", bool, False),
        mfa=table.get("mfa", bool, False),
        username_signin=table.get("username_signin", bool, False),
        otp_length=table.number("otp_length", 8, minimum=1),
        attributes=tuple(_parse_attribute(item) for item in table.tables("attributes")),
        banned_passwords=table.strings("banned_passwords"),
        sms_blocked_by_admin=table.text("sms_blocked_by_admin", None, pattern=PHONE),
        sms_blocked_by_rep=table.text("sms_blocked_by_rep", None, pattern=PHONE),
        sms_number=table.text("sms_number", None, pattern=PHONE),
    )
    for key in ("sspr", "username_signin"):
        if getattr(tenant, key) and tenant.auth_method != "email_password":
            raise table.error(key, 'needs auth_method = "email_password" (api-reference.md §2.1, §1)')
    table.done()
    return tenant


def _parse_attribute(table: ProfileTable) -> Attribute:
    kind = table.text("type", "string")
    if kind.lower() not in ATTRIBUTE_TYPES:
        known = "String, Text, Boolean, Int, DateTime, StringCollection"
        raise table.error("type", f"expected one of {known} (api-reference.md §7.4); got {kind!r}")
    attribute = Attribute(
        name=table.text("name", pattern=ATTRIBUTE_NAME),
        type=ATTRIBUTE_TYPES[kind.lower()],
        required=table.get("required", bool, False),
        regex=table.get("regex", str, None),
        options=table.strings("options"),
        input_type=table.choice("input_type", INPUT_TYPES, "TextBox"),
    )
    if attribute.regex is not None:
        try:
            re.compile(attribute.regex)
        except re.error as exc:
            raise table.error("regex", f"not a valid regular expression ({exc})") from None
    if (attribute.input_type in SELECT_TYPES) != bool(attribute.options):
        problem = "only for the select input types" if attribute.options else f"required for {attribute.input_type}"
        raise table.error("options", problem)
    table.done()
    return attribute


def _parse_user(table: ProfileTable, tenant: Tenant) -> ExistingUser:
    auth_method = table.choice("auth_method", AUTH_METHODS, tenant.auth_method)
    if auth_method == "email_password":
        password: Secret | None = table.secret("password_env")
    elif "password_env" in table.data:
        raise table.error("password_env", 'only for auth_method = "email_password" users')
    else:
        password = None
    methods = table.strings("mfa_methods")
    for index, method in enumerate(methods):
        if method not in CHANNELS:
            raise table.error(f"mfa_methods[{index}]", f"must be one of {', '.join(CHANNELS)}; got {method!r}")
    user = ExistingUser(
        table.text("email", pattern=EMAIL),
        auth_method,
        password,
        methods,
        interaction_required=table.get("interaction_required", bool, False),
    )
    table.done()
    return user


def _parse_signup(table: ProfileTable) -> Signup:
    template = table.text("address_template")
    try:
        sample = template.format(id="0")
    except (KeyError, IndexError, ValueError):
        sample = ""
    if "{id}" not in template or not EMAIL.match(sample):
        raise table.error("address_template", f"must be an email address containing {{id}}; got {template!r}")
    table.done()
    return Signup(template)


def _parse_otp(table: ProfileTable) -> OtpConfig:
    kind = table.choice("type", ("outbox", "imap", "command"))
    timeout_s = table.number("timeout_s", None, kind=float, minimum=0.1)
    interval_s = table.number("poll_interval_s", None, kind=float, minimum=0.01)
    timing = {k: v for k, v in (("timeout_s", timeout_s), ("poll_interval_s", interval_s)) if v is not None}
    config: OtpConfig
    if kind == "outbox":
        config = OutboxOtp(control_url=table.url("control_url"), **timing)
    elif kind == "imap":
        implicit = table.get("ssl", bool, True)
        starttls = table.get("starttls", bool, False)
        if implicit and starttls:
            raise table.error("starttls", "only with ssl = false (STARTTLS upgrades a plain connection)")
        config = ImapOtp(
            host=table.text("host"),
            port=table.number("port", 993 if implicit else 143, minimum=1, maximum=65535),
            ssl=implicit,
            starttls=starttls,
            ca_file=_parse_ca_file(table, tls=implicit or starttls),
            username=table.secret("username_env"),
            password=table.secret("password_env"),
            mailbox=table.text("mailbox", "INBOX"),
            **timing,
        )
    else:
        argv = table.strings("argv")
        if not argv:
            raise table.error("argv", "must name a command")
        config = CommandOtp(argv=argv, **timing)
    table.done()
    return config


def _parse_ca_file(table: ProfileTable, *, tls: bool) -> Path | None:
    """The PEM file of the CAs an IMAP server's certificate is checked against (instead of the system's)."""
    path = table.path("ca_file")
    if path is None:
        return None
    if not tls:
        raise table.error("ca_file", "only with ssl = true or starttls = true")
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, ValueError) as exc:
        raise table.error("ca_file", f"not a PEM file of CA certificates: {str(path)!r} ({exc})") from None
    return path


def _parse_pacing(table: ProfileTable) -> Pacing:
    pacing = Pacing(
        requests_per_second=table.number("requests_per_second", Pacing.requests_per_second, kind=float),
        max_retries=table.number("max_retries", Pacing.max_retries),
        max_retry_after_s=table.number("max_retry_after_s", Pacing.max_retry_after_s, kind=float),
        request_timeout_s=table.number("request_timeout_s", Pacing.request_timeout_s, kind=float, minimum=0.1),
    )
    table.done()
    return pacing


def _parse_limits(table: ProfileTable) -> Limits:
    limits = Limits(
        **{key: table.number(key, None, minimum=1) for key in Limits.__dataclass_fields__},
    )
    table.done()
    return limits


def _parse_severity(table: ProfileTable) -> SeverityPolicy:
    """`strict` / `off`: bases (`observed`, `inferred`) or ids of rules with those bases whose broken checks fail /
    are not checked; documented rules always fail."""
    lists = {key: table.strings(key) for key in ("strict", "off")}
    for key, names in lists.items():
        for index, name in enumerate(names):
            if problem := policy_problem(name):
                raise table.error(f"{key}[{index}]", problem)
    if both := sorted(set(lists["strict"]) & set(lists["off"])):
        raise table.error("off", f"{both[0]} is also in strict")
    table.done()
    return SeverityPolicy(frozenset(lists["strict"]), frozenset(lists["off"]))


def _parse_control(table: ProfileTable) -> str | None:
    url = table.url("url", None)
    table.done()
    return url


#: Any number outside the mock's blocked regions and numbers: the mock writes every SMS it "sends" to its outbox.
MOCK_SMS_NUMBER = "+14255550123"


def mock_profile(base_url: str, control_url: str) -> TargetProfile:
    """The profile of the embedded mock's bundled default tenant (`conformance/mock/default_tenant.toml`)."""
    from conformance.mock.config import TenantConfigError, load_tenant

    try:
        mock = load_tenant()
    except TenantConfigError as exc:
        raise ProfileError(str(exc)) from None
    apps = [app for app in mock.applications if app.public and app.native_auth]
    if not apps:
        raise ProfileError("default_tenant.toml: applications: no public client with native authentication enabled")
    tenants = [_mock_tenant(mock, app) for app in apps]
    return TargetProfile(
        name="mock",
        base_url=base_url.rstrip("/"),
        client_id=apps[0].client_id,
        second_client_id=apps[1].client_id if len(apps) > 1 else None,
        confidential_client_id=next((app.client_id for app in mock.applications if not app.public), None),
        disabled_client_id=next((app.client_id for app in mock.applications if not app.native_auth), None),
        tenant=tenants[0],
        applications=tuple(
            Application(app.name, app.client_id, t) for app, t in zip(apps[1:], tenants[1:], strict=True)
        ),
        users=tuple(
            ExistingUser(
                email=user.email,
                auth_method="email_password" if user.password else "email_otp",
                password=Secret.literal(f"mock:{user.email}", user.password) if user.password else None,
                mfa_methods=tuple(method.channel for method in user.mfa_methods),
                interaction_required=user.interaction_required,
            )
            for user in mock.users
        ),
        signup=Signup("qa+{id}@example.com"),
        otp=OutboxOtp(control_url=control_url.rstrip("/"), timeout_s=5.0, poll_interval_s=0.02),
        pacing=Pacing(requests_per_second=0.0, max_retries=3, max_retry_after_s=5.0),
        limits=Limits(
            continuation_token_lifetime_s=mock.lifetimes.continuation_token,
            otp_lifetime_s=mock.lifetimes.otp,
            refresh_token_lifetime_s=mock.lifetimes.refresh_token,
        ),
        control_url=control_url.rstrip("/"),
    )


def _mock_tenant(mock: Any, app: Any) -> Tenant:
    """What the suite must know of the user flow a mock application is linked to."""
    flow = mock.flow_of(app)
    policy = flow.password_policy
    return Tenant(
        auth_method="email_password" if flow.uses_password else "email_otp",
        sspr=flow.sspr,
        mfa=flow.mfa,
        otp_length=mock.otp_length,
        attributes=tuple(
            Attribute(a.name, a.type, a.required, a.regex, a.options, a.input_type) for a in flow.attributes
        ),
        banned_passwords=tuple(
            f"{word.capitalize()}-2026!".ljust(policy.min_length, "q") for word in policy.banned_words
        )
        if flow.uses_password
        else (),
        sms_blocked_by_admin=next((f"{prefix}9161234567"[:16] for prefix in mock.sms_blocked_regions), None),
        sms_blocked_by_rep=next(iter(mock.sms_blocked_numbers), None),
        sms_number=MOCK_SMS_NUMBER,
    )
