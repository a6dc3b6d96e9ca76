"""Which fields hold secrets: every property or form parameter whose schema (through its `$ref`s) is marked `x-secret`.

The schemas say it once (`x-secret: token | code | password` on `types.json#/$defs/token` and on the form parameters
in `common/form.json`); a field inherits the mark through `$ref`, and `x-former-names` on a secret's schema names
the same field as it was once called (`signup_token` for `continuation_token`), which is just as secret. The
redactor (`conformance.redaction`) reads these names; nothing in Python lists them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Literal

from conformance.contract import paths, schemas

Kind = Literal["token", "code", "password"]
KINDS: tuple[Kind, ...] = ("token", "code", "password")
FORM_ID = schemas.BASE_URI + "common/form.json"


def _marks(node: Any, base: str) -> tuple[str | None, Mapping[str, str]]:
    """The `x-secret` kind and `x-former-names` a subschema carries itself or through its `$ref` chain."""
    kind: str | None = None
    former: Mapping[str, str] = {}
    seen: set[int] = set()
    while isinstance(node, Mapping) and id(node) not in seen:
        seen.add(id(node))
        kind = kind or node.get("x-secret")
        former = former or node.get("x-former-names", {})
        if "$ref" not in node:
            break
        node, base = schemas.resolve(node["$ref"], base)
    return kind, former


def _fields(node: Any, base: str) -> Iterator[tuple[str, Any]]:
    """Every (name, subschema) under a `properties` keyword, at any depth of one schema resource."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "properties" and isinstance(value, Mapping):
                yield from value.items()
            yield from _fields(value, base)
    elif isinstance(node, list):
        for item in node:
            yield from _fields(item, base)


@cache
def _table() -> tuple[dict[str, Kind], dict[str, dict[str, str]]]:
    kinds: dict[str, Kind] = {}
    former_names: dict[str, dict[str, str]] = {}
    for file in sorted(paths.SCHEMAS_DIR.rglob("*.json")):
        base = schemas.schema_id(file)
        resource = schemas.schema(base)
        named = list(_fields(resource, base))
        if base == FORM_ID:
            named += list(resource.get("$defs", {}).items())
        for name, subschema in named:
            kind, former = _marks(subschema, base)
            if kind is None:
                continue
            if kind not in KINDS:
                raise ValueError(f"{file}: {name}: x-secret must be one of {', '.join(KINDS)}, got {kind!r}")
            for each in (name, *former.values()):
                if (known := kinds.setdefault(each.lower(), kind)) != kind:
                    raise ValueError(f"{file}: {each}: marked x-secret {kind!r} here and {known!r} elsewhere")
            if former:
                former_names[name] = dict(former)
    return kinds, former_names


def fields() -> Mapping[str, Kind]:
    """Every secret field name (lower case, former names included) with its kind."""
    return _table()[0]


def kind_of(name: str) -> Kind | None:
    """The kind of secret a field of that name holds (case-insensitive), or None when it holds none."""
    return _table()[0].get(name.lower())


def former_names(name: str) -> Mapping[str, str]:
    """The names a secret field had before a rename, by endpoint family (`signup` → `signup_token`); {} when none."""
    return _table()[1].get(name, {})
