"""Every schema is valid 2020-12, resolves through the registry, and encodes the digest's field rules (§1.1, §7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

from conformance.contract import openapi, paths, schemas

FILES = sorted(paths.SCHEMAS_DIR.rglob("*.json"))
ENVELOPE = schemas.BASE_URI + "common/error.json"
ERROR = {
    "error": "invalid_request",
    "error_description": "AADSTS901007: The challenge_type list parameter does not include the 'redirect' type.",
    "error_codes": [901007],
    "timestamp": "2013-12-31 06:31:41Z",
    "trace_id": "4457d068-2a03-42b2-97f2-d55325289d86",
    "correlation_id": "6b3474d8-233e-463f-b0a3-86433d8ba889",
}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _fails(schema_id: str, instance: Any) -> bool:
    return bool(schemas.messages(schemas.validator(schema_id, warnings=False).iter_errors(instance)))


def _warns(schema_id: str, instance: Any) -> bool:
    return not _fails(schema_id, instance) and not schemas.validator(schema_id).is_valid(instance)


def _form(name: str) -> str:
    return schemas.BASE_URI + name


@pytest.mark.parametrize("file", FILES, ids=lambda file: file.relative_to(paths.SCHEMAS_DIR).as_posix())
def test_schema_is_valid_draft_2020_12_with_mirrored_id(file: Path) -> None:
    contents = json.loads(file.read_text(encoding="utf-8"))
    assert contents["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert contents["$id"] == schemas.schema_id(file)
    Draft202012Validator.check_schema(contents)


@pytest.mark.parametrize("file", FILES, ids=lambda file: file.relative_to(paths.SCHEMAS_DIR).as_posix())
def test_every_ref_resolves_through_the_registry(file: Path) -> None:
    contents = json.loads(file.read_text(encoding="utf-8"))
    for ref in _refs(contents):
        schemas.resolve(ref, contents["$id"])


def test_unknown_schema_id_is_an_error() -> None:
    with pytest.raises(Unresolvable):
        schemas.resolve("missing.json", schemas.BASE_URI)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2013-12-31 06:31:41Z", True),
        ("yyyy-mm-dd 10:15:00Z", False),
        ("yy-mm-dd 02:37:33Z", False),
        ("13-12-31 06:31:41Z", False),
        ("2013-12-31T06:31:41Z", False),
        ("2013-13-31 06:31:41Z", False),
        ("2013-12-31 24:00:00Z", False),
    ],
)
def test_timestamp_format(value: str, ok: bool) -> None:
    """api-reference.md §1.1: `timestamp` is `yyyy-mm-dd hh:mm:ssZ` (ERR-12, ERR-64)."""
    assert _fails(ENVELOPE, {**ERROR, "timestamp": value}) is not ok


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ("4457d068-2a03-42b2-97f2-d55325289d86", "ok"),
        ("0000aaaa-11bb-cccc-dd22-eeeeee333333", "ok"),
        ("AAAA0000-BB11-2222-33CC-444444DDDDDD", "ok"),
        ("d6966055-...-80500", "warning"),
        ("{4457d068-2a03-42b2-97f2-d55325289d86}", "warning"),
        ("", "warning"),
        (7, "fail"),
    ],
)
def test_trace_and_correlation_ids_are_guids(value: object, verdict: str) -> None:
    """api-reference.md §1.1: ids are GUIDs; a non-GUID string is a warning (ERR-65), a non-string a failure."""
    for field in ("trace_id", "correlation_id"):
        body = {**ERROR, field: value}
        assert (_fails(ENVELOPE, body), _warns(ENVELOPE, body)) == (verdict == "fail", verdict == "warning")


@pytest.mark.parametrize(
    ("value", "verdict"), [("AQABAAEAAA…", "ok"), (" AQAB", "warning"), ("AQ AB", "warning"), ("", "fail")]
)
def test_tokens_are_opaque_non_empty_strings(value: str, verdict: str) -> None:
    """api-reference.md §7.1: whitespace in a token is a warning (ERR-22); an empty token a failure."""
    schema_id = schemas.BASE_URI + "common/continuation-token.json"
    body = {"continuation_token": value}
    assert (_fails(schema_id, body), _warns(schema_id, body)) == (verdict == "fail", verdict == "warning")


@pytest.mark.parametrize(
    ("extra", "ok"),
    [
        ({}, True),
        ({"error_codes": []}, False),
        ({"error_codes": ["901007"]}, False),
        ({"error": ""}, False),
        ({"error": "attributes_required", "continuation_token": "t"}, False),
        ({"error": "attributes_required", "required_attributes": []}, False),
        ({"error": "attributes_required", "continuation_token": "t", "required_attributes": []}, True),
        ({"error": "credential_required"}, False),
        ({"error": "credential_required", "continuation_token": "t"}, True),
        ({"error": "verification_required", "continuation_token": "t"}, False),
        ({"error": "verification_required", "continuation_token": "t", "unverified_attributes": [{}]}, True),
        ({"error": "invalid_grant", "suberror": "mfa_required"}, False),
        ({"error": "invalid_grant", "suberror": "registration_required", "continuation_token": "t"}, True),
        ({"error": "invalid_grant", "suberror": "attribute_validation_failed"}, False),
        ({"error": "invalid_grant", "suberror": "attribute_validation_failed", "invalid_attributes": [{}]}, True),
        ({"undocumented": "field"}, True),
    ],
)
def test_error_envelope(extra: dict[str, Any], ok: bool) -> None:
    """api-reference.md §1.1: required fields, and the conditional `continuation_token`/attribute lists."""
    assert _fails(ENVELOPE, {**ERROR, **extra}) is not ok


@pytest.mark.parametrize(
    "field", ["error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"]
)
def test_error_envelope_requires_documented_fields(field: str) -> None:
    assert _fails(ENVELOPE, {key: value for key, value in ERROR.items() if key != field})


def test_undocumented_fields_are_allowed_but_detectable() -> None:
    """An undocumented field is a warning in the verdict model, so schemas leave it open and name what they document."""
    assert not _fails(ENVELOPE, {**ERROR, "x": 1})
    assert "x" not in schemas.documented_properties(ENVELOPE)
    assert {"error", "suberror", "continuation_token", "required_attributes"} <= schemas.documented_properties(ENVELOPE)


@pytest.mark.parametrize(
    ("schema", "value", "ok"),
    [
        ("signup/start.request.json", "oob password redirect", True),
        ("signup/start.request.json", "oob redirect", True),
        ("signup/start.request.json", "redirect", True),
        ("signup/start.request.json", "redirect oob", True),
        ("signup/start.request.json", "oob password", False),
        ("signup/start.request.json", "oob  redirect", False),
        ("signup/start.request.json", "oob,redirect", False),
        ("signup/start.request.json", "oob sms redirect", False),
        ("signup/start.request.json", "", False),
        ("resetpassword/start.request.json", "oob redirect", True),
        ("resetpassword/start.request.json", "oob password redirect", True),
        ("resetpassword/challenge.request.json", "oob password redirect", True),
        ("resetpassword/start.request.json", "password redirect", True),
        ("resetpassword/start.request.json", "oob password", False),
        ("resetpassword/start.request.json", "oob sms redirect", False),
    ],
)
def test_challenge_type_is_a_space_separated_list_containing_redirect(schema: str, value: str, ok: bool) -> None:
    """api-reference.md §7.2: tokens from oob/password/redirect, also on password reset (ERR-72: the list MSAL sends
    to every flow); `redirect` is mandatory."""
    form = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "username": "a@contoso.com", "challenge_type": value}
    if "challenge" in schema:
        form = {**form, "continuation_token": "t"}
    assert _fails(_form(schema), form) is not ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("oob", True), ("oob redirect", True), ("redirect oob", True), ("redirect", False),
     ("oob password redirect", False), ("oob oob", False)],
)
def test_registration_challenge_type_is_oob_with_or_without_redirect(value: str, ok: bool) -> None:
    """api-reference.md §E9 `oob`, and §7.2's `redirect` in every request that carries `challenge_type` (ERR-73)."""
    form = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "continuation_token": "t",
            "challenge_target": "a@contoso.com", "challenge_type": value}
    assert _fails(_form("register/challenge.request.json"), form) is not ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("mfa_required", True),
        ("registration_required mfa_required", True),
        ("registration_required,mfa_required", False),
        ("sms_required", False),
    ],
)
def test_capabilities_are_space_separated(value: str, ok: bool) -> None:
    """api-reference.md §7.3: `capabilities`, space-separated (ERR-25)."""
    form = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "username": "a", "challenge_type": "redirect"}
    assert _fails(_form("oauth2/initiate.request.json"), {**form, "capabilities": value}) is not ok


def test_attributes_are_a_json_object_of_strings_in_a_string() -> None:
    """api-reference.md §7.4: `attributes` is a string whose content is a JSON object with string values."""
    attributes, _ = schemas.resolve("common/form.json#/$defs/attributes", schemas.BASE_URI)
    assert (attributes["type"], attributes["contentMediaType"]) == ("string", "application/json")
    content = Draft202012Validator(attributes["contentSchema"])
    assert content.is_valid(json.loads('{"displayName": "Ada", "extension_2588abcdwhtfeehjjeeqwertc_age": "37"}'))
    assert not content.is_valid({"age": 37})


STEP_FORMS = {
    "signup/continue.request.json": {
        "oob": {"oob": "12345678"},
        "password": {"password": "secret"},
        "attributes": {"attributes": '{"city": "Oslo"}'},
    },
    "oauth2/token.request.json": {
        "password": {"password": "secret", "continuation_token": "t"},
        "oob": {"oob": "12345678", "continuation_token": "t"},
        "continuation_token": {"continuation_token": "t"},
        "mfa_oob": {"oob": "12345678", "continuation_token": "t"},
        "refresh_token": {"refresh_token": "r"},
    },
    "register/continue.request.json": {"oob": {"oob": "12345678"}, "continuation_token": {}},
}


@pytest.mark.parametrize(("schema", "grant_type"), [(s, g) for s, steps in STEP_FORMS.items() for g in steps])
def test_grant_type_selects_one_request_step(schema: str, grant_type: str) -> None:
    """api-reference.md §2: shared paths take one request shape per `grant_type`, each with its own required fields."""
    base = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "continuation_token": "t", "scope": "openid"}
    form = {**base, "grant_type": grant_type, **STEP_FORMS[schema][grant_type]}
    assert not _fails(_form(schema), form)
    for field in STEP_FORMS[schema][grant_type]:
        assert _fails(_form(schema), {k: v for k, v in form.items() if k != field}), field
    assert _fails(_form(schema), {**form, "grant_type": "client_credentials"})


def test_form_values_are_strings() -> None:
    """Form bodies carry strings only; undocumented parameters are allowed (RFC 6749 §3.2: ignored)."""
    form = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "continuation_token": "t"}
    assert not _fails(_form("resetpassword/poll_completion.request.json"), {**form, "x": "1"})
    assert _fails(_form("resetpassword/poll_completion.request.json"), {**form, "x": 1})


def test_validate_response_rejects_undocumented_status() -> None:
    start = openapi.path_of("signupStart")
    assert schemas.validate_response(start, 500, ERROR) == [f"HTTP 500 is not a documented status of {start}"]


def test_validate_response_names_what_breaks_the_variant_the_body_selects() -> None:
    """A body that fits no variant is explained by the variant its discriminators (`challenge_type`, `error`,
    `status`) select, else by the closest one."""
    body = {
        "continuation_token": "t",
        "challenge_type": "oob",
        "binding_method": "prompt ",
        "challenge_channel": "email",
    }
    [message] = schemas.validate_response(openapi.path_of("signinChallenge"), 200, body)
    assert message.startswith("$: matches no documented variant; ")
    assert "$.binding_method: 'prompt' was expected" in message and "closest" not in message
    reset = {"expires_in": "600", "continuation_token": "t"}
    [message] = schemas.validate_response(openapi.path_of("ssprContinue"), 200, reset)
    assert message == "$: matches no documented variant; $.expires_in: '600' is not of type 'integer'"
    unknown = {"continuation_token": "t", "challenge_type": "x"}
    [message] = schemas.validate_response(openapi.path_of("signinChallenge"), 200, unknown)
    assert message.startswith("$: matches no documented variant; closest: ")


def test_registry_rejects_an_id_that_does_not_mirror_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"$id": schemas.BASE_URI + "b.json"}), encoding="utf-8")
    monkeypatch.setattr(paths, "SCHEMAS_DIR", tmp_path)
    schemas.registry.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"a\.json: \$id must be"):
            schemas.registry()
    finally:
        monkeypatch.undo()
        schemas.registry.cache_clear()


@pytest.mark.parametrize(
    ("error", "suberror", "verdict"),
    [
        ("invalid_grant", "invalid_oob_value", "ok"),
        ("invalid_grant", "mfa_required", "ok"),
        ("invalid_grant", "basic_action", "warning"),
        ("invalid_request", "invalid_oob_value", "fail"),
        ("invalid_client", "mfa_required", "fail"),
    ],
)
def test_suberrors_belong_to_their_documented_error(error: str, suberror: str, verdict: str) -> None:
    """api-reference.md §7.7: a documented suberror under another `error` fails (ERR-10); an unknown one warns."""
    schema_id = schemas.BASE_URI + "oauth2/token.error.json"
    body = {**ERROR, "error": error, "suberror": suberror, "continuation_token": "t"}
    assert (_fails(schema_id, body), _warns(schema_id, body)) == (verdict == "fail", verdict == "warning")


def test_spec_root_can_be_overridden(tmp_path: Path) -> None:
    """`CONFORMANCE_SPEC_ROOT` points the package at another checkout of `specs/` and `schemas/`."""
    code = "from conformance.contract import paths; print(paths.SCHEMAS_DIR, paths.OPENAPI_PATH)"
    env = {**os.environ, "CONFORMANCE_SPEC_ROOT": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(tmp_path / "schemas"), str(tmp_path / "specs" / "native-auth.openapi.yaml")]


ERROR_RESPONSES = [(op.path, status) for op in openapi.operations() for status in op.error_statuses]


@pytest.mark.parametrize(("path", "status"), ERROR_RESPONSES, ids=[f"{p}-{s}" for p, s in ERROR_RESPONSES])
def test_a_warning_behind_a_cross_file_ref_stays_a_warning(path: str, status: int) -> None:
    """Every error schema reaches `trace_id` through `$ref`s into other files: a non-GUID one warns (ERR-65)."""
    body = {**ERROR, "trace_id": "d6966055-...-80500"}
    assert schemas.validate_response(path, status, body) == []
    [warning] = schemas.response_warnings(path, status, body)
    assert warning.startswith("$.trace_id: 'd6966055-...-80500' does not match")


@pytest.mark.parametrize(
    ("schema_id", "instance", "field"),
    [
        ("signup/start.error.json", ERROR, "trace_id"),
        ("signup/start.error.json", ERROR, "timestamp"),
        ("signup/challenge.request.json", {"client_id": ERROR["trace_id"], "continuation_token": "t"}, "client_id"),
    ],
)
def test_patterns_are_ecma_262_so_a_trailing_newline_does_not_match(schema_id: str, instance: dict, field: str) -> None:
    """JSON Schema `pattern` is ECMA-262: `$` ends the string (Python's `re.search` would accept a final newline)."""
    checker = schemas.validator(schemas.BASE_URI + schema_id)
    assert checker.is_valid(instance)
    assert not checker.is_valid({**instance, field: instance[field] + "\n"})


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"status": "in_progress"}, True),
        ({"status": "not_started"}, True),
        ({"status": "in_progress", "continuation_token": "AQAB"}, True),
        ({"status": "succeeded", "continuation_token": "AQAB"}, True),
        ({"status": "failed", "continuation_token": "AQAB"}, True),
        ({"status": "succeeded"}, False),
        ({"status": "failed"}, False),
        ({"status": "done", "continuation_token": "AQAB"}, False),
    ],
)
def test_only_a_finished_poll_must_carry_a_token(body: dict[str, str], ok: bool) -> None:
    """api-reference.md §E15 and ERR-71: `succeeded`/`failed` hand on a token; a pending poll need not."""
    assert (schemas.validate_response(openapi.path_of("ssprPollCompletion"), 200, body) == []) is ok


@pytest.mark.parametrize(
    ("value", "ok"), [("eyJ1aWQiOiJhIiwidXRpZCI6ImIifQ", True), ("eyJ1aWQiOiJhIn0=", True), ("a b", False), ("", False)]
)
def test_client_info_is_base64url(value: str, ok: bool) -> None:
    """R-CLIENT-INFO (observed): the token response's `client_info` is base64url text."""
    body = {"token_type": "Bearer", "scope": "openid", "expires_in": 3600, "access_token": "AQAB", "client_info": value}
    assert (schemas.validate_response(openapi.path_of("token"), 200, body) == []) is ok
