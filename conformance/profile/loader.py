"""A target profile read from TOML and checked: every mistake is a ProfileError of one line naming file and key."""

from __future__ import annotations

import os
import re
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.contract import openapi, schemas
from conformance.contract.vocabulary import pattern, terms
from conformance.profile.model import (
    CLIENT_ID_SCHEMA,
    DEFAULT_SCOPES,
    ENV_NAME,
    EXAMPLE_CLIENT_ID,
    Application,
    Attribute,
    CommandOtp,
    ExistingUser,
    ImapOtp,
    Limits,
    OtpConfig,
    OutboxOtp,
    Pacing,
    ProfileError,
    Secret,
    Signup,
    TargetProfile,
    UserFlow,
)
from conformance.tomlconfig import MISSING, TomlTable
from conformance.verdicts import SeverityPolicy, policy_problem

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
    return _parse_profile(ProfileTable(file, "", ProfileTable.read(path, file)), default_name=Path(path).stem)


def _parse_profile(top: ProfileTable, *, default_name: str) -> TargetProfile:
    base_url = top.url("base_url")
    if any(f"/{family}/" in urlsplit(base_url).path + "/" for family in openapi.families()):
        raise top.error("base_url", f"give the part before {openapi.path_of('signupStart')} (the tenant's base URL)")
    tenant = _parse_tenant(top.table("tenant", required=True))
    profile = TargetProfile(
        name=top.text("name", default_name),
        base_url=base_url,
        client_id=top.client_id("client_id"),
        second_client_id=top.client_id("second_client_id", None),
        confidential_client_id=top.client_id("confidential_client_id", None),
        disabled_client_id=top.client_id("disabled_client_id", None),
        scopes=top.strings("scopes", DEFAULT_SCOPES),
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


def _parse_tenant(table: ProfileTable) -> UserFlow:
    tenant = UserFlow(
        auth_method=table.term("auth_method", terms("auth_methods")),
        sspr=table.get("sspr", bool, False),
        mfa=table.get("mfa", bool, False),
        username_signin=table.get("username_signin", bool, False),
        otp_length=table.number("otp_length", 8, minimum=1),
        attributes=tuple(_parse_attribute(item) for item in table.tables("attributes")),
        banned_passwords=table.strings("banned_passwords"),
        sms_blocked_by_admin=table.text("sms_blocked_by_admin", None, pattern=pattern("phone")),
        sms_blocked_by_rep=table.text("sms_blocked_by_rep", None, pattern=pattern("phone")),
        sms_number=table.text("sms_number", None, pattern=pattern("phone")),
    )
    for key in ("sspr", "username_signin"):
        if getattr(tenant, key) and tenant.auth_method != "email_password":
            raise table.error(key, 'needs auth_method = "email_password" (api-reference.md §2.1, §1)')
    table.done()
    return tenant


def _parse_attribute(table: ProfileTable) -> Attribute:
    attribute = Attribute(
        name=table.text("name", pattern=pattern("attribute_name")),
        type=table.term("type", terms("attribute_types"), "string"),
        required=table.get("required", bool, False),
        regex=table.get("regex", str, None),
        options=table.strings("options"),
        input_type=table.term("input_type", terms("input_types"), "TextBox"),
    )
    if attribute.regex is not None:
        try:
            re.compile(attribute.regex)
        except re.error as exc:
            raise table.error("regex", f"not a valid regular expression ({exc})") from None
    if bool(terms("input_types")[attribute.input_type].choose) != bool(attribute.options):
        problem = "only for the select input types" if attribute.options else f"required for {attribute.input_type}"
        raise table.error("options", problem)
    table.done()
    return attribute


def _parse_user(table: ProfileTable, tenant: UserFlow) -> ExistingUser:
    auth_method = table.term("auth_method", terms("auth_methods"), tenant.auth_method)
    if auth_method == "email_password":
        password: Secret | None = table.secret("password_env")
    elif "password_env" in table.data:
        raise table.error("password_env", 'only for auth_method = "email_password" users')
    else:
        password = None
    channels = terms("channels")
    methods = table.strings(
        "mfa_methods", check=lambda m: None if m in channels else f"must be one of {channels.described()}; got {m!r}"
    )
    user = ExistingUser(
        table.text("email", pattern=pattern("email")),
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
    if "{id}" not in template or not pattern("email").match(sample):
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
