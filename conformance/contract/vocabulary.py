"""The API's vocabularies, value patterns and §7.2 challenge-type usage matrix (`specs/vocabulary.yaml`).

Each term and pattern is defined once, there: the profile loader, the mock tenant, the walker, the checks and the
fuzzer ask this module. Every pattern matches as JSON Schema's `pattern` does (ECMA-262, `schemas.matches`), and the
GUID, the timestamp and the channels are taken from their schemas, which stay their one definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from regress import Regex

from conformance.contract import paths, schemas

PATTERNS = ("email", "phone", "attribute_name", "guid", "timestamp")
#: The vocabularies, and the facts a term of each may state besides `means`, `aliases` and `mock`.
_FACTS: dict[str, set[str]] = {
    "auth_methods": {"first_factor"},
    "challenge_types": {"response_only"},
    "capabilities": set(),
    "channels": {"destination"},
    "input_types": {"choose"},
    "attribute_types": {"checked", "wire", "samples"},
}
VOCABULARIES = tuple(_FACTS)
_SCHEMA_KEYS = {"type", "pattern", "description"}  # a schema-defined pattern is a string with a pattern, nothing more


@dataclass(frozen=True, slots=True)
class Pattern:
    """A value pattern: its ECMA-262 regex, what a matching value is (for messages), and where it is defined."""

    name: str
    regex: str
    what: str
    source: str

    def match(self, value: object) -> bool:
        """Whether `value` is a string of this pattern."""
        return isinstance(value, str) and schemas.matches(self.regex, value)


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a vocabulary. Besides `means`, `aliases` and `mock`, a term states the facts of its vocabulary:
    an auth method its `first_factor` (challenge type); a challenge type whether it is `response_only`; a channel the
    pattern of its `destination`; an input type whether it makes the user `choose` `one` or `many` of the options;
    an attribute type whether a tenant `checked` its values, their `wire` pattern and the `samples` the suite sends."""

    name: str
    means: str
    aliases: tuple[str, ...] = ()
    mock: bool = True  # the mock tenant implements it
    first_factor: str | None = None
    response_only: bool = False
    destination: Pattern | None = None
    choose: str | None = None
    checked: bool = False
    wire: Pattern | None = None
    samples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A closed set of terms, in documented order, with the section and sources they come from."""

    name: str
    section: str
    source: tuple[str, ...]
    terms: tuple[Term, ...]
    case_insensitive: bool = False

    def names(self, *, mock: bool = False) -> tuple[str, ...]:
        """The terms' names (only those the mock tenant implements, with `mock`)."""
        return tuple(term.name for term in self.terms if term.mock or not mock)

    def described(self, *, mock: bool = False) -> str:
        """The terms as a message lists them: their names, then the other spellings read as them."""
        fold = str.casefold if self.case_insensitive else str
        terms = [term for term in self.terms if term.mock or not mock]
        others = [alias for term in terms for alias in term.aliases if fold(alias) != fold(term.name)]
        listed = ", ".join(term.name for term in terms) + (f" (or {', '.join(others)})" if others else "")
        return listed + (", in any case" if self.case_insensitive else "")

    def resolve(self, spelling: str) -> Term | None:
        """The term a name or alias spells (ignoring case where the vocabulary does), or None."""
        fold = str.casefold if self.case_insensitive else str
        wanted = fold(spelling)
        return next((t for t in self.terms if wanted in {fold(s) for s in (t.name, *t.aliases)}), None)

    def __getitem__(self, name: str) -> Term:
        term = next((term for term in self.terms if term.name == name), None)
        if term is None:
            raise KeyError(f"no {name!r} in the {self.name} of specs/vocabulary.yaml")
        return term

    def __contains__(self, name: object) -> bool:
        return any(term.name == name for term in self.terms)


@dataclass(frozen=True, slots=True)
class ChallengeTypeUsage:
    """Which challenge types each flow uses per auth method (the §7.2 matrix), which types a step decides itself,
    and the type every list carries (`redirect`)."""

    always: str
    matrix: Mapping[str, Mapping[str, tuple[str, ...]]]
    steps: Mapping[str, tuple[str, ...]]
    every: tuple[str, ...]  # every type a client may send, in documented order: the one list a client sends everywhere

    def uses(self, flow: str, method: str) -> tuple[str, ...]:
        """The types `flow` uses for a user flow of `method`; KeyError where the matrix says n/a."""
        try:
            return self.matrix[flow][method]
        except KeyError:
            raise KeyError(f"§7.2 usage matrix: no {method} row for {flow} (n/a)") from None

    def advertised(self, flow: str, method: str) -> str:
        """The `challenge_type` a client of a `method` user flow sends in `flow`."""
        return " ".join(self.uses(flow, method))

    def needed(self, flow: str, method: str) -> frozenset[str]:
        """The types `flow` needs the client to handle for `method` (the matrix cell but `redirect`)."""
        return frozenset(self.uses(flow, method)) - {self.always}

    def step(self, name: str) -> tuple[str, ...]:
        """The types of a request whose list the step decides (`E2.credential`, `E5.mfa`, `E9`)."""
        return self.steps[name]

    def listing(self, *types: str) -> str:
        """`types` as a `challenge_type` value, with `redirect` added where missing."""
        return " ".join((*types, self.always) if self.always not in types else types)

    def everything(self) -> str:
        """Every type a client may send, as one `challenge_type` value (what MSAL JS sends to every flow, ERR-72)."""
        return " ".join(self.every)


@dataclass(frozen=True, slots=True)
class Vocabularies:
    """Everything `specs/vocabulary.yaml` holds."""

    vocabularies: Mapping[str, Vocabulary]
    patterns: Mapping[str, Pattern]
    usage: ChallengeTypeUsage


def _fail(where: str, key: str, message: str) -> ValueError:
    return ValueError(f"vocabulary.yaml: {where}: {key}: {message}")


def _mapping(where: str, data: Any, allowed: set[str] | None = None, required: frozenset[str] = frozenset()) -> Any:
    """`data` as a mapping with only `allowed` keys (any when None) and every `required` one."""
    if not isinstance(data, dict):
        raise _fail(where, "-", "expected a mapping")
    for key in sorted(data.keys() - allowed if allowed is not None else ()) + sorted(required - data.keys()):
        raise _fail(where, key, "missing" if key in required else "unknown key")
    return data


def _text(where: str, data: dict[str, Any], key: str) -> Any:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _fail(where, key, "expected a non-empty string")
    return value


def _names(where: str, data: dict[str, Any], key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise _fail(where, key, "expected a list of non-empty strings")
    if allowed is not None and (unknown := [item for item in value if item not in allowed]):
        raise _fail(where, key, f"{unknown[0]!r} is not one of {', '.join(allowed)}")
    return tuple(value)


def _regex(where: str, key: str, regex: Any) -> str:
    try:
        Regex(regex)
    except Exception as exc:  # regress raises its own error type; a non-string a TypeError
        raise _fail(where, key, f"not an ECMA-262 regular expression ({exc})") from None
    return regex


def _schema(where: str, ref: Any) -> dict[str, Any]:
    """The subschema `ref` (a path under schemas/ with a JSON pointer) names."""
    try:
        return schemas.resolve(ref, schemas.BASE_URI)[0]
    except Exception:  # a non-string, or referencing's lookup errors
        raise _fail(where, "schema", f"no subschema {ref!r}") from None


def _pattern(name: str, data: Any) -> Pattern:
    where = f"patterns.{name}"
    _mapping(where, data, {"regex", "schema", "what", "section", "source", "means"}, frozenset({"what"}))
    what = _text(where, data, "what")
    if ("regex" in data) == ("schema" in data):
        raise _fail(where, "regex", "give either regex or schema")
    if "schema" in data:
        subschema = _schema(where, data["schema"])
        if subschema.get("type") != "string" or "pattern" not in subschema or subschema.keys() - _SCHEMA_KEYS:
            raise _fail(where, "schema", f"{data['schema']} is not only a string pattern")
        return Pattern(name, _regex(where, "schema", subschema["pattern"]), what, data["schema"])
    source = f"api-reference.md {_text(where, data, 'section') or ''} ({', '.join(_names(where, data, 'source'))})"
    return Pattern(name, _regex(where, "regex", data["regex"]), what, source)


def _term(vocabulary: str, name: str, data: Any, patterns: Mapping[str, Pattern]) -> Term:
    where = f"vocabularies.{vocabulary}.terms.{name}"
    _mapping(where, data, {"means", "aliases", "mock"} | _FACTS[vocabulary], frozenset({"means"}))
    flags = {key: data.get(key, key == "mock") for key in ("mock", "response_only", "checked")}
    if bad := [key for key, value in flags.items() if not isinstance(value, bool)]:
        raise _fail(where, bad[0], "expected true or false")
    if data.get("choose") not in (None, "one", "many"):
        raise _fail(where, "choose", "expected one or many")
    if (destination := data.get("destination")) is not None and destination not in patterns:
        raise _fail(where, "destination", f"no pattern {destination!r}")
    if (wire := data.get("wire")) is not None and not flags["checked"]:
        raise _fail(where, "wire", "only for a checked type")
    term = Term(
        name=name,
        means=_text(where, data, "means"),
        aliases=_names(where, data, "aliases"),
        first_factor=_text(where, data, "first_factor"),
        destination=patterns[destination] if destination else None,
        choose=data.get("choose"),
        wire=Pattern(name, _regex(where, "wire", wire), f"a {name} value", f"{vocabulary}.{name}") if wire else None,
        samples=_names(where, data, "samples"),
        **flags,
    )
    if term.wire and (bad := [sample for sample in term.samples if not term.wire.match(sample)]):
        raise _fail(where, "samples", f"{bad[0]!r} does not match its wire pattern")
    return term


def _vocabulary(name: str, data: Any, patterns: Mapping[str, Pattern]) -> Vocabulary:
    where = f"vocabularies.{name}"
    _mapping(where, data, {"section", "source", "terms", "schema", "case_insensitive"}, frozenset({"section", "terms"}))
    terms = tuple(_term(name, str(key), value, patterns) for key, value in _mapping(where, data["terms"]).items())
    sources = _names(where, data, "source")
    vocabulary = Vocabulary(name, _text(where, data, "section"), sources, terms, data.get("case_insensitive") is True)
    fold = str.casefold if vocabulary.case_insensitive else str
    spellings = [spelling for t in terms for spelling in {fold(s) for s in (t.name, *t.aliases)}]
    if len(spellings) != len(set(spellings)):
        raise _fail(where, "terms", "two terms share a name or an alias")
    if "schema" in data:
        enum = _schema(where, data["schema"]).get("enum")
        if not isinstance(enum, list) or sorted(enum) != sorted(vocabulary.names()):
            raise _fail(where, "schema", f"the terms are not the enum of {data['schema']}: {enum}")
    return vocabulary


def _usage(data: Any, vocabularies: Mapping[str, Vocabulary]) -> ChallengeTypeUsage:
    where = "challenge_type_usage"
    _mapping(where, data, {"section", "source", "always", "matrix", "steps"}, frozenset({"always", "matrix", "steps"}))
    requested = tuple(t.name for t in vocabularies["challenge_types"].terms if not t.response_only)
    methods = set(vocabularies["auth_methods"].names())
    always = _text(where, data, "always")
    if always not in requested:
        raise _fail(where, "always", f"expected one of {', '.join(requested)}")
    matrix: dict[str, dict[str, tuple[str, ...]]] = {}
    for flow, row in _mapping(where, data["matrix"]).items():
        cells = f"{where}.matrix.{flow}"
        matrix[flow] = {method: _names(cells, row, method, requested) for method in _mapping(cells, row, methods)}
        if missing := [method for method, types in matrix[flow].items() if always not in types]:
            raise _fail(cells, missing[0], f"lacks {always}")
    steps = {}
    for step, entry in _mapping(where, data["steps"]).items():
        at = f"{where}.steps.{step}"
        entry = _mapping(at, entry, {"types", "section", "source", "means"}, frozenset({"types"}))
        steps[step] = _names(at, entry, "types", requested)
    for method in vocabularies["auth_methods"].terms:
        if method.first_factor not in requested:
            raise _fail(f"vocabularies.auth_methods.terms.{method.name}", "first_factor", "not a challenge type")
    return ChallengeTypeUsage(always, matrix, steps, requested)


def parse(document: Any) -> Vocabularies:
    """Validate a loaded `vocabulary.yaml`; ValueError names the place and the key at fault."""
    _mapping("header", document, {"version", "vocabularies", "patterns", "challenge_type_usage"})
    raw_patterns = _mapping("patterns", document.get("patterns"), set(PATTERNS), frozenset(PATTERNS))
    patterns = {name: _pattern(name, raw_patterns[name]) for name in PATTERNS}
    raw = _mapping("vocabularies", document.get("vocabularies"), set(VOCABULARIES), frozenset(VOCABULARIES))
    vocabularies = {name: _vocabulary(name, raw[name], patterns) for name in VOCABULARIES}
    return Vocabularies(vocabularies, patterns, _usage(document.get("challenge_type_usage"), vocabularies))


def load(path: Path) -> Vocabularies:
    """Read and validate a vocabulary file (tests use edited copies)."""
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def vocabularies() -> Vocabularies:
    """The project's vocabularies, loaded once from `specs/vocabulary.yaml`."""
    return load(paths.SPECS_DIR / "vocabulary.yaml")


def terms(name: str) -> Vocabulary:
    """One vocabulary (a name of VOCABULARIES): `terms("auth_methods").names()`."""
    return vocabularies().vocabularies[name]


def pattern(name: str) -> Pattern:
    """One pattern (a name of PATTERNS): `pattern("email").match(value)`."""
    return vocabularies().patterns[name]


def usage() -> ChallengeTypeUsage:
    """The §7.2 challenge-type usage: `usage().advertised("signup", "email_otp")` is `oob redirect`."""
    return vocabularies().usage
