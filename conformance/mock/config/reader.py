"""A mock tenant file (TOML) read into a TenantConfig, refused with one line naming the bad key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.contract.vocabulary import pattern, terms, usage
from conformance.mock.config.model import (
    AppConfig,
    AttemptLimits,
    AttributeConfig,
    Lifetimes,
    MfaMethodSeed,
    PasswordPolicy,
    Retention,
    TenantConfig,
    UserFlowConfig,
    UserSeed,
)
from conformance.tomlconfig import TomlTable

DEFAULT_TENANT_PATH = Path(__file__).parents[1] / "default_tenant.toml"

PREFIX = re.compile(r"^\+[0-9]{1,6}$")
SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ORIGIN = re.compile(r"^https?://[^/?#@\s]+/?$")

THROTTLE_RESPONSES = ("http_429", "temporarily_unavailable")


class TenantConfigError(ValueError):
    """A tenant file that cannot be served; the message is one line: `file: key: problem`."""


_LONGEST = 10**9  # seconds: the upper bound of every lifetime and interval


class _TenantTable(TomlTable):
    """A table of a tenant file (refused with TenantConfigError; empty strings are values there, e.g. no characters)."""

    error_class = TenantConfigError
    nonempty = False


def _regex_problem(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"not a valid regular expression ({exc})"
    return None


def _parse_policy(table: _TenantTable) -> PasswordPolicy:
    policy = PasswordPolicy(
        min_length=table.number("min_length", 8, minimum=1, maximum=1024),
        max_length=table.number("max_length", 256, minimum=1, maximum=4096),
        min_char_classes=table.number("min_char_classes", 3, maximum=4),
        banned_words=tuple(w.lower() for w in table.strings("banned_words")),
        disallowed_chars=table.get("disallowed_chars", str, ""),
        printable_ascii_only=table.get("printable_ascii_only", bool, True),
    )
    if policy.max_length < policy.min_length:
        raise table.error("max_length", "must not be below min_length")
    table.done()
    return policy


def _parse_attribute(table: _TenantTable) -> AttributeConfig:
    regex = table.get("regex", str, None)
    if regex is not None and (problem := _regex_problem(regex)):
        raise table.error("regex", problem)
    attribute = AttributeConfig(
        name=table.text("name", pattern=pattern("attribute_name")),
        type=table.term("type", terms("attribute_types"), "string", mock=True),
        required=table.get("required", bool, False),
        input_type=table.term("input_type", terms("input_types"), "TextBox", mock=True),
        regex=regex,
        options=table.strings("options"),
    )
    if terms("input_types")[attribute.input_type].choose and not attribute.options:
        raise table.error("options", f"required for input_type {attribute.input_type}")
    table.done()
    return attribute


def _parse_flow(table: _TenantTable) -> UserFlowConfig:
    attributes = tuple(_parse_attribute(item) for item in table.tables("attributes"))
    flow = UserFlowConfig(
        name=table.text("name"),
        authentication_method=table.term("authentication_method", terms("auth_methods"), mock=True),
        sspr=table.get("sspr", bool, False),
        mfa=table.get("mfa", bool, False),
        attributes=attributes,
        password_policy=_parse_policy(table.table("password_policy")),
    )
    if not flow.uses_password and (flow.sspr or flow.mfa):
        raise table.error("sspr" if flow.sspr else "mfa", "needs authentication_method = email_password")
    table.done()
    return flow


def _parse_app(table: _TenantTable, flows: set[str]) -> AppConfig:
    every = usage().every
    types = table.strings(
        "challenge_types", every, check=lambda t: None if t in every else f"unknown challenge type {t!r}"
    )
    app = AppConfig(
        client_id=table.text("client_id", pattern=pattern("guid")),
        name=table.text("name"),
        user_flow=table.text("user_flow"),
        public=table.get("public", bool, True),
        native_auth=table.get("native_auth", bool, True),
        challenge_types=frozenset(types),
    )
    if app.user_flow not in flows:
        raise table.error("user_flow", f"no user flow named {app.user_flow!r}")
    table.done()
    return app


def _parse_retention(table: _TenantTable) -> Retention:
    defaults = Retention()
    counts = {
        name: table.number(name, getattr(defaults, name), minimum=1, maximum=10**7)
        for name in ("flows", "flows_per_address", "users", "outbox", "outbox_per_address", "refresh_tokens",
                     "scoped_clocks", "guess_counters", "faults")
    }
    ages = {
        name: table.number(name, getattr(defaults, name), maximum=_LONGEST)
        for name in ("expired_token_grace", "outbox_max_age")
    }
    table.done()
    return Retention(**counts, **ages)


def _parse_attempt_limits(table: _TenantTable) -> AttemptLimits:
    limits = AttemptLimits(
        wrong_otp=table.number("wrong_otp", 0, maximum=10**6),
        wrong_password=table.number("wrong_password", 0, maximum=10**6),
        lockout_seconds=table.number("lockout_seconds", 300, minimum=1, maximum=_LONGEST),
        response=table.choice("response", THROTTLE_RESPONSES, "http_429"),
    )
    table.done()
    return limits


def parse_user(table: _TenantTable) -> UserSeed:
    """Parse one `[[users]]` table (also used by the control API's `POST /_mock/users`)."""
    methods = []
    for item in table.tables("mfa_methods"):
        channel = item.term("channel", terms("channels"), mock=True)
        target = item.text("target", pattern=terms("channels")[channel].destination)
        methods.append(MfaMethodSeed(channel, target, item.text("id", None, pattern=pattern("guid"))))
        item.done()
    attributes = table.get("attributes", dict, {})
    for name, value in attributes.items():
        if not isinstance(value, str):
            raise table.error(f"attributes.{name}", f"expected str, got {type(value).__name__}")
    user = UserSeed(
        email=table.text("email", pattern=pattern("email")).lower(),
        password=table.get("password", str, None),
        attributes=tuple(sorted(attributes.items())),
        mfa_methods=tuple(methods),
        password_history=table.strings("password_history"),
        interaction_required=table.get("interaction_required", bool, False),
    )
    table.done()
    return user


def user_from_mapping(data: Any, source: str = "user") -> UserSeed:
    """Build a user seed from a JSON/TOML mapping; TenantConfigError names the bad key."""
    return parse_user(_TenantTable(source, "", data))


def _origin(table: _TenantTable) -> str | None:
    value = table.text("origin", None, pattern=ORIGIN, what="an origin (scheme://host[:port], no path)")
    return value.rstrip("/") if value is not None else None


def parse_tenant(data: dict[str, Any], source: str = "tenant.toml") -> TenantConfig:
    """Validate a loaded TOML document and build the tenant."""
    top = _TenantTable(source, "", data)
    identity = top.table("tenant")
    flows = tuple(_parse_flow(item) for item in top.tables("user_flows"))
    names = [flow.name for flow in flows]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise TenantConfigError(f"{source}: user_flows[{index}].name: duplicate user flow {name!r}")
    apps = tuple(_parse_app(item, set(names)) for item in top.tables("applications"))
    ids = [app.client_id.lower() for app in apps]
    for index, client_id in enumerate(ids):
        if client_id in ids[:index]:
            raise TenantConfigError(f"{source}: applications[{index}].client_id: duplicate client_id")
    users = tuple(parse_user(item) for item in top.tables("users"))
    emails = [user.email for user in users]
    for index, email in enumerate(emails):
        if email in emails[:index]:
            raise TenantConfigError(f"{source}: users[{index}].email: duplicate user {email!r}")
    lifetimes_table = top.table("lifetimes")
    lifetimes = Lifetimes(
        continuation_token=lifetimes_table.number("continuation_token", 600, minimum=1, maximum=_LONGEST),
        otp=lifetimes_table.number("otp", 600, minimum=1, maximum=_LONGEST),
        resend_interval=lifetimes_table.number("resend_interval", 30, maximum=_LONGEST),
        access_token=lifetimes_table.number("access_token", 3600, minimum=1, maximum=_LONGEST),
        refresh_token=lifetimes_table.number("refresh_token", 86400, minimum=1, maximum=_LONGEST),
        poll_interval=lifetimes_table.number("poll_interval", 2, maximum=3600),
    )
    lifetimes_table.done()
    sms = top.table("sms")
    tenant = TenantConfig(
        subdomain=identity.text("subdomain", "contoso", pattern=SUBDOMAIN, what="a tenant subdomain"),
        tenant_id=identity.text("tenant_id", "aaaabbbb-0000-cccc-1111-dddd2222eeee", pattern=pattern("guid")),
        display_name=identity.text("display_name", "Contoso"),
        scopes=identity.strings(
            "scopes", check=lambda s: None if "/" in s and " " not in s else "not a resource scope"
        ),
        applications=apps,
        user_flows=flows,
        users=users,
        lifetimes=lifetimes,
        retention=_parse_retention(top.table("retention")),
        attempt_limits=_parse_attempt_limits(top.table("attempt_limits")),
        origin=_origin(identity),
        otp_length=top.number("otp_length", 8, minimum=4, maximum=12),
        sms_blocked_regions=sms.strings(
            "blocked_regions", check=lambda p: None if PREFIX.match(p) else "not a +prefix"
        ),
        sms_blocked_numbers=sms.strings(
            "blocked_numbers", check=lambda p: None if pattern("phone").match(p) else f"not {pattern('phone').what}"
        ),
        deviations=top.strings("deviations"),
    )
    identity.done()
    sms.done()
    top.done()
    return tenant


def load_tenant(path: Path | str | None = None) -> TenantConfig:
    """Load a tenant file (the bundled default when `path` is None); TenantConfigError on any problem."""
    file = Path(path) if path is not None else DEFAULT_TENANT_PATH
    return parse_tenant(_TenantTable.read(file, file.name), file.name)
