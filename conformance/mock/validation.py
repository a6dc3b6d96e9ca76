"""Pure checks the endpoints share: passwords (§7.6), attributes (§7.4), scopes (E6), masking of OTP targets (§7.5)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from conformance.contract.vocabulary import terms
from conformance.mock.config import AttributeConfig, PasswordPolicy, UserFlowConfig

OIDC_SCOPES = ("openid", "profile", "email", "offline_access")


def password_problem(policy: PasswordPolicy, password: str, recent: tuple[str, ...] | list[str] = ()) -> str | None:
    """The condition (specs/conditions.yaml) a password meets under the policy, or None when it is acceptable."""
    if len(password) > policy.max_length:
        return "long_password"
    if len(password) < policy.min_length:
        return "short_password"
    if any(ch in policy.disallowed_chars for ch in password) or (
        policy.printable_ascii_only and any(not 32 <= ord(ch) < 127 for ch in password)
    ):
        return "invalid_password"
    lowered = password.lower()
    if any(word in lowered for word in policy.banned_words):
        return "banned_password"
    classes = sum(
        (
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        )
    )
    if classes < policy.min_char_classes:
        return "weak_password"
    if password in recent:
        return "recent_password"
    return None


class AttributesMalformed(ValueError):
    """The `attributes` parameter is not a JSON object serialized as a string."""


def parse_attributes(raw: str) -> dict[str, Any]:
    """Decode the `attributes` form field (a JSON object); AttributesMalformed otherwise."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise AttributesMalformed(f"attributes is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise AttributesMalformed("attributes must be a JSON object")
    return value


def descriptor(attribute: AttributeConfig) -> dict[str, Any]:
    """The documented `required_attributes[]` item for an attribute."""
    item: dict[str, Any] = {"name": attribute.name, "type": attribute.type, "required": attribute.required}
    if attribute.regex is not None:
        item["options"] = {"regex": attribute.regex}
    return item


def _value_ok(attribute: AttributeConfig, value: Any) -> bool:
    """A value of the attribute's data type (its wire form, §7.4; values are strings), matching its regex, and one
    (or, comma-separated, several) of its options where its input type makes the user choose."""
    if not isinstance(value, str):
        return False
    wire = terms("attribute_types")[attribute.type].wire
    if wire is not None and not wire.match(value):
        return False
    if attribute.regex is not None and not re.search(attribute.regex, value):
        return False
    choose = terms("input_types")[attribute.input_type].choose
    if choose == "one":
        return value in attribute.options
    if choose == "many":
        chosen = [part.strip() for part in value.split(",")]
        return bool(chosen) and all(part in attribute.options for part in chosen)
    return True


@dataclass(frozen=True, slots=True)
class AttributeCheck:
    """Known attributes that passed, and descriptors of those that failed."""

    accepted: dict[str, str]
    invalid: list[dict[str, Any]]


def check_attributes(flow: UserFlowConfig, values: dict[str, Any], *, required_only: bool = False) -> AttributeCheck:
    """Validate submitted attributes; unknown names are ignored (S1), optional ones too when `required_only` (S7)."""
    accepted: dict[str, str] = {}
    invalid: list[dict[str, Any]] = []
    for attribute in flow.attributes:
        if attribute.name not in values or (required_only and not attribute.required):
            continue
        value = values[attribute.name]
        if _value_ok(attribute, value):
            accepted[attribute.name] = value
        else:
            invalid.append(descriptor(attribute))
    return AttributeCheck(accepted, invalid)


@dataclass(frozen=True, slots=True)
class ScopeCheck:
    """Requested scopes split into OIDC and resource scopes, and the first problem found."""

    scopes: tuple[str, ...]
    resource_scopes: tuple[str, ...]
    problem: str | None = None
    detail: str = ""


def check_scopes(raw: str, allowed: tuple[str, ...]) -> ScopeCheck:
    """`invalid_resource` for an unregistered resource's `.default`, `invalid_scope` for other unknown scopes."""
    scopes = tuple(dict.fromkeys(raw.split()))
    resources = tuple(scope for scope in scopes if scope not in OIDC_SCOPES)
    known_resources = {scope.rsplit("/", 1)[0] for scope in allowed}
    for scope in resources:
        if scope in allowed:
            continue
        resource = scope.rsplit("/", 1)[0] if "/" in scope else scope
        if scope.endswith("/.default") and resource in known_resources:
            continue
        if scope.endswith("/.default"):
            return ScopeCheck(scopes, resources, "invalid_resource", f"The resource '{resource}' is not registered.")
        return ScopeCheck(scopes, resources, "invalid_scope", f"The scope '{scope}' is not valid.")
    if len({scope.rsplit("/", 1)[0] for scope in resources}) > 1:
        return ScopeCheck(scopes, resources, "invalid_scope", "Scopes must all belong to one resource.")
    return ScopeCheck(scopes, resources)


def mask_email(address: str) -> str:
    """Obfuscate an address the way the docs show it (`c***r@co**o**o.com`)."""
    local, _, domain = address.partition("@")
    name, dot, suffix = domain.partition(".")
    masked_local = f"{local[0]}***{local[-1]}" if len(local) > 1 else f"{local}***"
    masked_name = "".join(ch if i % 3 == 0 or i == len(name) - 1 else "*" for i, ch in enumerate(name))
    return f"{masked_local}@{masked_name}{dot}{suffix}"


def mask_phone(number: str) -> str:
    """Obfuscate a phone number the way the docs show it (`+1********6`)."""
    return number[:2] + "*" * max(len(number) - 3, 0) + number[-1:]


def mask(channel: str, target: str) -> str:
    """Obfuscated label for an OTP destination."""
    return mask_phone(target) if channel == "sms" else mask_email(target)
