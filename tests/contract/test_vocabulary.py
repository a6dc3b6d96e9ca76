"""`specs/vocabulary.yaml`: the vocabularies, the patterns and the §7.2 usage matrix, as the docs print them and as the
schemas accept them."""

from __future__ import annotations

import copy
import itertools
import re

import pytest
import yaml

from conformance.contract import openapi, paths, schemas, vocabulary

#: api-reference.md §7.2 "Usage matrix (S10, S10-2024)", copied as printed (the project never reads the docs at run
#: time); the test reads the data's matrix back from it.
PRINTED_MATRIX = """
| | Sign-up | Sign-in | SSPR |
|---|---|---|---|
| Email + password | `oob`, `password`, `redirect` | `oob`, `password`, `redirect` | `oob`, `redirect` |
| Email OTP | `oob`, `redirect` | `oob`, `redirect` | n/a |
"""
FLOWS = {"Sign-up": "signup", "Sign-in": "signin", "SSPR": "sspr"}
METHODS = {"Email + password": "email_password", "Email OTP": "email_otp"}
FORM = "common/form.json#/$defs/"


def _printed() -> dict[str, dict[str, tuple[str, ...]]]:
    lines = [line.strip().strip("|").split("|") for line in PRINTED_MATRIX.strip().splitlines()]
    flows = [FLOWS[cell.strip()] for cell in lines[0][1:]]
    matrix: dict[str, dict[str, tuple[str, ...]]] = {flow: {} for flow in flows}
    for row in lines[2:]:
        for flow, cell in zip(flows, row[1:], strict=True):
            if cell.strip() != "n/a":
                matrix[flow][METHODS[row[0].strip()]] = tuple(re.findall(r"`(\w+)`", cell))
    return matrix


@pytest.fixture
def document() -> dict:
    return yaml.safe_load((paths.SPECS_DIR / "vocabulary.yaml").read_text(encoding="utf-8"))


def test_matrix_is_the_printed_one() -> None:
    """The usage matrix is §7.2's, row by row and in the printed order (an n/a cell has no entry)."""
    assert {flow: dict(row) for flow, row in vocabulary.usage().matrix.items()} == _printed()


def test_every_list_is_one_the_schema_takes() -> None:
    """Every list the data names (a matrix cell, a step's list with `redirect`, every type at once) is a
    `challenge_type` the request schema accepts, and `redirect` alone as well; a list without it is refused."""
    usage = vocabulary.usage()
    lists = [types for row in usage.matrix.values() for types in row.values()]
    lists += [(*types, usage.always) for types in usage.steps.values() if usage.always not in types]
    for types in [*lists, usage.every, (usage.always,)]:
        assert schemas.conforms(" ".join(types), FORM + "challenge_type"), types
    assert not schemas.conforms("oob password", FORM + "challenge_type")


def test_challenge_types_are_the_documented_ones() -> None:
    """The types a client sends are those the form schema's pattern names, in every order; another is refused; the
    response-only `preverified` is E9's answer."""
    every = vocabulary.usage().every
    for order in itertools.permutations(every):
        assert schemas.conforms(" ".join(order), FORM + "challenge_type")
    assert not schemas.conforms("oob sms redirect", FORM + "challenge_type")
    assert not schemas.conforms("preverified redirect", FORM + "challenge_type")
    preverified = [t.name for t in vocabulary.terms("challenge_types").terms if t.response_only]
    assert preverified == ["preverified"]


def test_capabilities_are_the_documented_ones() -> None:
    """The capabilities are those the form schema's pattern accepts, alone and together (§7.3)."""
    names = vocabulary.terms("capabilities").names()
    assert schemas.conforms(" ".join(names), FORM + "capabilities")
    assert all(schemas.conforms(name, FORM + "capabilities") for name in names)
    assert not schemas.conforms("mfa_required sso", FORM + "capabilities")


def test_step_lists_and_first_factors() -> None:
    """The step-decided lists are the docs' (E2 credential `password redirect`, E5 MFA `oob redirect`, E9 `oob`), and
    each auth method's first factor is a type its sign-in row uses."""
    usage = vocabulary.usage()
    assert usage.listing(*usage.step("E2.credential")) == "password redirect"
    assert usage.listing(*usage.step("E5.mfa")) == "oob redirect"
    assert usage.step("E9") == ("oob",)
    for method in vocabulary.terms("auth_methods").terms:
        assert method.first_factor in usage.uses("signin", method.name)
    with pytest.raises(KeyError, match="n/a"):
        usage.uses("sspr", "email_otp")


def test_the_grant_steps_take_the_auth_methods() -> None:
    """Each auth method's first factor is a documented `grant_type` of the token request (§E6)."""
    token_grants = {p.grant_type for p in openapi.operation("token").parameters if p.grant_type}
    assert {t.first_factor for t in vocabulary.terms("auth_methods").terms} <= token_grants


@pytest.mark.parametrize("name", ["guid", "timestamp"])
def test_schema_patterns_accept_what_the_schema_accepts(name: str) -> None:
    """The GUID and the timestamp are the schemas' own patterns: a value passes in Python exactly when it conforms."""
    samples = [
        "00001111-aaaa-2222-bbbb-3333cccc4444", "00001111-aaaa-2222-bbbb-3333cccc4444\n", "d6966055-...-80500",
        "2013-12-31 06:31:41Z", "2013-13-31 06:31:41Z", "2026-05-01T10:00:00Z", "yyyy-mm-dd 10:15:00Z", "", 42, None,
    ]
    found = vocabulary.pattern(name)
    for sample in samples:
        assert found.match(sample) == schemas.conforms(sample, found.source), sample


def test_channels_are_the_schema_enum() -> None:
    """The channels are the `enum` of types.json's channel, which every schema naming a channel refers to."""
    enum = schemas.schema(schemas.BASE_URI + "common/types.json")["$defs"]["channel"]["enum"]
    assert list(vocabulary.terms("channels").names()) == enum
    for ref in (FORM + "challenge_channel", "common/auth-method.json#/properties/challenge_channel",
                "common/otp-challenge.json#/properties/challenge_channel"):
        assert all(schemas.conforms(channel, ref) for channel in enum) and not schemas.conforms("fax", ref), ref
    assert vocabulary.terms("channels")["sms"].destination == vocabulary.pattern("phone")


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("email", ["casey@contoso.com"], ["casey", "casey@contoso", "a b@contoso.com", "casey@contoso.com\n"]),
        ("phone", ["+14255550100", "+4712345678"], ["14255550100", "+0123456789", "+1", "+1234567890123456"]),
        ("attribute_name", ["displayName", "extension_2588abcd_hobbies"], ["1st", "display-name", ""]),
    ],
)
def test_patterns(name: str, good: list[str], bad: list[str]) -> None:
    """E-mail, phone (E.164) and programmable-name patterns, matched as JSON Schema matches (no final newline)."""
    found = vocabulary.pattern(name)
    assert all(found.match(value) for value in good) and not any(found.match(value) for value in bad)


def test_terms_resolve_their_documented_spellings() -> None:
    """Attribute data types read in any case and by their other names (S13 `Text`); input types by the portal's
    name; the mock implements a documented subset."""
    types = vocabulary.terms("attribute_types")
    assert [types.resolve(s).name for s in ("String", "TEXT", "Boolean", "int", "DateTime")] == [
        "string", "string", "boolean", "int", "datetime"
    ]
    assert types.resolve("Decimal") is None
    inputs = vocabulary.terms("input_types")
    assert inputs.resolve("RadioSingleSelect").name == "SingleRadioSelect" and inputs.resolve("textbox") is None
    assert inputs.names(mock=True) == ("TextBox", "SingleRadioSelect", "CheckboxMultiSelect")
    assert [t.name for t in inputs.terms if t.choose] == ["SingleRadioSelect", "CheckboxMultiSelect"]
    assert types.names(mock=True) == ("string", "boolean", "int")


def test_samples_and_wire_forms() -> None:
    """Every data type has samples; a checked type the mock implements says its wire form, which its samples meet."""
    for term in vocabulary.terms("attribute_types").terms:
        assert term.samples, term.name
        if term.checked and term.mock:
            assert term.wire is not None and all(term.wire.match(sample) for sample in term.samples)
    assert not vocabulary.terms("attribute_types")["boolean"].wire.match("yes")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["vocabularies"]["channels"]["terms"].pop("sms"), r"channels: schema: the terms are not the enum"),
        (lambda d: d["vocabularies"]["input_types"]["terms"]["TextBox"].update(colour=1), r"TextBox: colour: unknown"),
        (lambda d: d["vocabularies"].pop("capabilities"), r"vocabularies: capabilities: missing"),
        (lambda d: d["patterns"]["email"].update(regex="(["), r"patterns.email: regex: not an ECMA-262"),
        (lambda d: d["patterns"]["guid"].update(schema="common/types.json#/$defs/token"), r"not only a string pattern"),
        (lambda d: d["challenge_type_usage"]["matrix"]["sspr"].update(email_password=["oob"]), r"lacks redirect"),
        (lambda d: d["challenge_type_usage"]["matrix"]["signup"].update(email_sms=["redirect"]), r"email_sms: unknown"),
        (lambda d: d["challenge_type_usage"]["steps"]["E9"].update(types=["preverified"]), r"E9: types: 'preverified'"),
        (lambda d: d["vocabularies"]["attribute_types"]["terms"]["int"].update(samples=["x"]), r"does not match"),
        (lambda d: d["vocabularies"]["input_types"]["terms"]["TextBox"].update(aliases=["SingleRadioSelect"]),
         r"input_types: terms: two terms share a name or an alias"),
    ],
)
def test_validation_rejects_bad_data(document: dict, edit, message: str) -> None:
    """A malformed vocabulary fails on load with one line naming the place and the key."""
    edited = copy.deepcopy(document)
    edit(edited)
    with pytest.raises(ValueError, match=message) as caught:
        vocabulary.parse(edited)
    assert "\n" not in str(caught.value)
