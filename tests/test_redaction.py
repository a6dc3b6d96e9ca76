"""Redaction: no secret value survives, equal values keep equal fingerprints, everything else is left alone."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets as secrets_module
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import pytest

from conformance import redaction
from conformance.contract import openapi, paths, schemas, secrets
from conformance.redaction import KEY_ENV, fingerprint, redact_form, redact_json, redact_text

TOKEN = "AQABAAEAAAAtyolDObpQQ5VtlI4uGjEPeu7TBEnPsZtJr8Vqhl2Y"
PASSWORD = "Casey-Pass 2026!&é"
CODE = "84930217"


@pytest.fixture
def fixed_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[bytes]:
    """A known redaction key (the per-process key is cached, so the cache is cleared around the test)."""
    monkeypatch.setenv(KEY_ENV, "test-key")
    redaction._key.cache_clear()
    yield b"test-key"
    redaction._key.cache_clear()


def test_fingerprint_is_a_keyed_hash_with_a_prefix_for_long_values(fixed_key: bytes) -> None:
    """`AQAB…#<8 hex of HMAC-SHA256>`: tokens keep four characters, short or prefix-less values none."""
    digest = hmac.new(fixed_key, TOKEN.encode(), hashlib.sha256).hexdigest()[:8]
    assert fingerprint(TOKEN) == f"AQAB…#{digest}"
    assert fingerprint(TOKEN, prefix=False) == f"…#{digest}"
    assert fingerprint(CODE).startswith("…#")
    assert fingerprint("") == ""


def test_fingerprint_is_deterministic_and_distinguishes_values() -> None:
    """The same value always gives the same fingerprint in a process; different values differ."""
    assert fingerprint(TOKEN) == fingerprint(TOKEN)
    assert fingerprint(CODE) != fingerprint("84930218")


def test_redact_form_hides_every_sensitive_field_and_keeps_the_rest() -> None:
    """Each field the schemas mark secret is fingerprinted; other fields are untouched."""
    form = {key: f"{key}-value-{CODE}" for key in secrets.fields()} | {
        "client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "username": "casey@contoso.com", "grant_type": "oob",
    }
    redacted = redact_form(form)
    assert "-value-" not in repr(redacted) and CODE not in repr(redacted)
    assert redacted["client_id"] == form["client_id"] and redacted["grant_type"] == "oob"
    assert redacted["password"] == fingerprint("password-value-84930217", prefix=False)
    assert redacted["continuation_token"].startswith("cont…#")


def test_redact_form_handles_lists_and_key_case() -> None:
    """A multi-valued field has each value redacted; key names match case-insensitively."""
    redacted = redact_form({"Password": PASSWORD, "oob": [CODE, "11111111"]})
    assert redacted["Password"] == fingerprint(PASSWORD, prefix=False)
    assert redacted["oob"] == [fingerprint(CODE, prefix=False), fingerprint("11111111", prefix=False)]


def test_redact_json_reaches_every_depth_and_spares_lookalike_keys() -> None:
    """Tokens in nested objects and arrays are redacted; `code_length` and `error_codes` are not secrets."""
    body = {
        "token_type": "Bearer", "access_token": TOKEN, "refresh_token": TOKEN + "r", "id_token": TOKEN + "i",
        "continuation_token": TOKEN + "c", "code_length": 8, "error_codes": [50126],
        "nested": [{"oob": CODE, "expires_in": 3600}, {"client_secret": {"kind": "x", "value": PASSWORD}}],
        "empty": None, "flag": True,
    }
    redacted = redact_json(body)
    text = json.dumps(redacted, ensure_ascii=False)
    assert TOKEN not in text and CODE not in text and PASSWORD not in text
    assert redacted["access_token"] == fingerprint(TOKEN)
    assert redacted["code_length"] == 8 and redacted["error_codes"] == [50126] and redacted["token_type"] == "Bearer"
    assert redacted["nested"][0]["expires_in"] == 3600
    assert body["access_token"] == TOKEN, "the input is not modified"


def test_same_token_in_form_and_json_gets_the_same_fingerprint() -> None:
    """A continuation token sent in a request can be matched with the one a response returned."""
    assert redact_form({"continuation_token": TOKEN})["continuation_token"] == (
        redact_json({"continuation_token": TOKEN})["continuation_token"]
    )


def test_redact_text_hides_known_secrets_in_every_common_spelling() -> None:
    """Raw, URL-encoded and JSON-escaped occurrences all become the secret's fingerprint."""
    text = (
        f"raw {PASSWORD} | form {quote_plus(PASSWORD)} | json {json.dumps(PASSWORD)} | "
        f"json-utf8 {json.dumps(PASSWORD, ensure_ascii=False)} | token {TOKEN}"
    )
    redacted = redact_text(text, [PASSWORD, TOKEN, ""])
    assert "Casey" not in redacted and TOKEN not in redacted
    assert redacted.count(fingerprint(PASSWORD, prefix=False)) == 4


def test_redact_text_hides_sensitive_pairs_without_being_told_the_values() -> None:
    """`key=value` (form, query string) and `"key": "value"` (JSON) pairs of sensitive keys are redacted anyway."""
    form = urlencode({"client_id": "abc", "username": "casey@contoso.com", "password": PASSWORD, "oob": CODE})
    body = json.dumps({"continuation_token": TOKEN, "code_length": 8, "error": "invalid_grant"})
    redacted = redact_text(f"POST {openapi.path_of('token')}?x=1 {form}\n{body}")
    assert "Casey" not in redacted and CODE not in redacted and TOKEN not in redacted
    assert f"password={fingerprint(PASSWORD, prefix=False)}" in redacted
    assert f'"continuation_token": "{fingerprint(TOKEN)}"' in redacted
    assert "client_id=abc" in redacted and "username=casey%40contoso.com" in redacted and '"code_length": 8' in redacted


def test_redact_text_is_idempotent() -> None:
    """Redacting already-redacted text changes nothing (fingerprints are not fingerprinted again)."""
    once = redact_text(f"password={PASSWORD}&oob={CODE}", [PASSWORD])
    assert redact_text(once, [PASSWORD]) == once


def test_known_secrets_prefer_the_longest_form_and_scale_to_many_secrets() -> None:
    """Of two secrets where one starts the other, the longer is matched; thousands of secrets stay one quick pass."""
    short, long = TOKEN[:20], TOKEN
    many = [f"{TOKEN}-{n}" for n in range(5000)]
    known = redaction.KnownSecrets([short, long, *many])
    started = time.perf_counter()
    redacted = known.replace(f"a {long} b {short} c {many[4321]} {quote_plus(PASSWORD)}")
    assert time.perf_counter() - started < 0.5
    assert redacted == (
        f"a {fingerprint(long, prefix=False)} b {fingerprint(short, prefix=False)}"
        f" c {fingerprint(many[4321], prefix=False)} {quote_plus(PASSWORD)}"
    )



def test_the_schemas_name_every_secret_field_and_its_former_names() -> None:
    """Tokens, codes and passwords are marked `x-secret` in `schemas/`; the continuation token's pre-rename names come
    along (`x-former-names`), by endpoint family, as the mock's `legacy_token_name` deviation serves them."""
    fields = secrets.fields()
    assert {name: fields[name] for name in ("continuation_token", "access_token", "oob", "new_password")} == {
        "continuation_token": "token", "access_token": "token", "oob": "code", "new_password": "password",
    }
    assert secrets.former_names("continuation_token") == {
        "signup": "signup_token", "oauth2": "credential_token", "resetpassword": "password_reset_token",
    }
    assert all(fields[name] == "token" for name in secrets.former_names("continuation_token").values())
    assert {"client_id", "username", "grant_type", "code_length", "token_type"}.isdisjoint(fields)


def test_a_field_marked_in_the_schemas_is_redacted_whatever_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marking a form parameter `x-secret` in `schemas/` is all it takes: nothing in Python names it."""
    copy = tmp_path / "schemas"
    shutil.copytree(paths.SCHEMAS_DIR, copy)
    form = json.loads((copy / "common" / "form.json").read_text(encoding="utf-8"))
    form["$defs"]["recovery_pin"] = {"type": "string", "x-secret": "code"}
    (copy / "common" / "form.json").write_text(json.dumps(form), encoding="utf-8")
    caches = (schemas.registry, secrets._table, redaction._pair_patterns)
    monkeypatch.setattr(paths, "SCHEMAS_DIR", copy)
    for cached in caches:
        cached.cache_clear()
    try:
        assert redact_form({"recovery_pin": "731904"}) == {"recovery_pin": fingerprint("731904", prefix=False)}
        assert "731904" not in redact_text("recovery_pin=731904&x=1")
    finally:
        monkeypatch.undo()
        for cached in caches:
            cached.cache_clear()
    assert redact_form({"recovery_pin": "731904"}) == {"recovery_pin": "731904"}


def test_remembered_secrets_are_redacted_from_free_text_and_every_log_record(caplog: pytest.LogCaptureFixture) -> None:
    """A code the mock issued or an OTP source returned is remembered; from then on no text or log line shows it,
    whatever the logger, whether it was ever sent or not; values too short to be told from text are not taken."""
    code = f"{secrets_module.randbelow(10**8):08d}"
    assert redaction.remember(code) == code and code in redaction.REMEMBERED
    redaction.remember("abc")
    assert "abc" not in redaction.REMEMBERED
    assert redact_text(f"the code is {code}") == f"the code is {fingerprint(code, prefix=False)}"
    redaction.redact_log_records()
    redaction.redact_log_records()  # idempotent: one redacting factory however often it is installed
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything.at.all").info("OTP %s to %s", code, "casey@contoso.com")
        try:
            raise ValueError(f"bad code {code}")
        except ValueError:
            logging.getLogger("conformance.mock").exception("mock bug")
    assert code not in caplog.text and fingerprint(code, prefix=False) in caplog.text
    assert "casey@contoso.com" in caplog.text


def test_remembered_secrets_are_bounded_oldest_first() -> None:
    """A long-lived mock remembers every OTP it sends: only the newest REMEMBERED_LIMIT stay, so memory stays flat."""
    remembered = redaction.Remembered()
    for index in range(redaction.REMEMBERED_LIMIT + 5):
        remembered.add(f"code-{index:08d}")
    assert len(remembered) == redaction.REMEMBERED_LIMIT
    assert "code-00000004" not in remembered and f"code-{redaction.REMEMBERED_LIMIT + 4:08d}" in remembered


def test_remembering_one_more_secret_costs_the_same_however_many_came_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived mock remembers a code per OTP it sends and redacts each log line: the matchers are rebuilt over
    everything only now and then (amortised linear work in all), and every value stays matched in between."""
    built: list[int] = []
    original = redaction.KnownSecrets.__init__

    def counting(self: redaction.KnownSecrets, values: object, **kwargs: object) -> None:
        values = list(values)  # type: ignore[call-overload]
        built.append(len(values))
        original(self, values, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(redaction.KnownSecrets, "__init__", counting)
    remembered = redaction.Remembered()
    values = [f"code-{index:08d}" for index in range(4000)]
    for value in values:
        remembered.add(value)
        matchers = remembered.known()
    assert sum(built) < 16 * len(values)  # log2(4000) ≈ 12 builds per value; one per value over all: 8,000,000
    text = " ".join(values[::397])
    for matcher in matchers:
        text = matcher.replace(text)
    assert not any(value in text for value in values)
