"""Redaction for transcripts and reports: secrets become a keyed fingerprint, so equal values still match.

`fingerprint("AQABAAEAAAAtyolDObpQQ5VtlI4uGjEPeu…")` → `AQAB…#3f9a1c2d`. The hash is an HMAC under a key that is
random per run unless `CONFORMANCE_REDACTION_KEY` is set: an unkeyed hash of an 8-digit code or a dictionary password
could be reversed by brute force. `export_key()` puts the key into the environment so that the processes a run starts
(xdist workers) fingerprint alike. Token-like values keep a four-character prefix to help a reader; passwords, codes
and client secrets keep none. Known secret values are found in one pass (Aho-Corasick), however many there are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping
from functools import cache
from secrets import token_hex
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

KEY_ENV = "CONFORMANCE_REDACTION_KEY"
TOKEN_KEYS = frozenset({"continuation_token", "access_token", "refresh_token", "id_token"})
SECRET_KEYS = frozenset({"password", "new_password", "oob", "code", "client_secret"})
REDACTED_KEYS = TOKEN_KEYS | SECRET_KEYS
PREFIX_MIN_LENGTH = 16

_KEYS = "|".join(sorted(REDACTED_KEYS))
_FORM_PAIR = re.compile(rf"(?i)(?<![\w-])({_KEYS})=([^&\s\"']*)")
_JSON_PAIR = re.compile(rf'(?i)"({_KEYS})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
_FINGERPRINT = re.compile(r"(?:.{4})?…#[0-9a-f]{8}")


@cache
def _key() -> bytes:
    return (os.environ.get(KEY_ENV) or token_hex(32)).encode()


def export_key() -> bool:
    """Put this process's key into the environment, so processes started from now on (xdist workers) share it.

    False when the environment already had one (then it is the key in use).
    """
    if os.environ.get(KEY_ENV):
        return False
    os.environ[KEY_ENV] = _key().decode()
    return True


def fingerprint(value: str, *, prefix: bool = True) -> str:
    """`AQAB…#3f9a1c2d`: a prefix (long values only, when `prefix`) and a keyed hash; '' stays ''."""
    if not value:
        return value
    digest = hmac.new(_key(), value.encode(), hashlib.sha256).hexdigest()[:8]
    shown = value[:4] if prefix and len(value) >= PREFIX_MIN_LENGTH else ""
    return f"{shown}…#{digest}"


def _redact_value(key: str, value: Any) -> Any:
    """The redacted form of one value under a sensitive key (None and booleans are not secrets)."""
    if value is None or isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return fingerprint(text, prefix=key.lower() in TOKEN_KEYS)


def redact_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of form fields with sensitive ones fingerprinted (a list value has each item fingerprinted)."""
    redacted: dict[str, Any] = {}
    for key, value in form.items():
        if key.lower() not in REDACTED_KEYS:
            redacted[key] = value
        elif isinstance(value, list | tuple):
            redacted[key] = [_redact_value(key, item) for item in value]
        else:
            redacted[key] = _redact_value(key, value)
    return redacted


def redact_json(obj: Any) -> Any:
    """A copy of a JSON value with every sensitive key fingerprinted, at any depth."""
    if isinstance(obj, dict):
        return {
            key: _redact_value(key, value) if str(key).lower() in REDACTED_KEYS else redact_json(value)
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [redact_json(item) for item in obj]
    return obj


class KnownSecrets:
    """Replaces every written form of some secret values (raw, URL-encoded, JSON-escaped) by its fingerprint.

    One Aho-Corasick pass per text, leftmost-longest, so the cost does not grow with the number of secrets.
    """

    def __init__(self, secrets: Iterable[str], *, min_length: int = 1) -> None:
        owners: dict[str, str] = {}
        for secret in sorted({s for s in secrets if s and len(s) >= min_length}):
            for form in _written_forms(secret):
                owners.setdefault(form, secret)
        self._owners = list(owners.values())
        self._automaton = (
            AhoCorasick(list(owners), matchkind=MatchKind.LeftmostLongest, implementation=Implementation.ContiguousNFA)
            if owners
            else None
        )

    def replace(self, text: str) -> str:
        """`text` with each occurrence of a known form replaced by its secret's prefix-less fingerprint."""
        if self._automaton is None or not text:
            return text
        parts, last = [], 0
        for index, start, end in self._automaton.find_matches_as_indexes(text):
            parts += [text[last:start], fingerprint(self._owners[index], prefix=False)]
            last = end
        return "".join([*parts, text[last:]]) if parts else text


def redact_text(text: str, secrets: Iterable[str] | KnownSecrets = ()) -> str:
    """Free text with known secrets (raw, URL-encoded, JSON-escaped) and sensitive `k=v` / `"k": "v"` pairs redacted."""
    known = secrets if isinstance(secrets, KnownSecrets) else KnownSecrets(secrets)
    text = known.replace(text)
    text = _FORM_PAIR.sub(lambda m: f"{m[1]}={_redact_pair(m[1], unquote_plus(m[2]))}", text)
    return _JSON_PAIR.sub(lambda m: f'"{m[1]}"{m[2]}"{_redact_pair(m[1], _json_string(m[3]))}"', text)


def _written_forms(secret: str) -> set[str]:
    """The ways a secret is commonly written in HTTP bodies and logs."""
    return {
        secret, quote_plus(secret), quote(secret, safe=""),
        json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def _redact_pair(key: str, value: str) -> str:
    """A `key=value` value fingerprinted, unless it already is a fingerprint."""
    return value if _FINGERPRINT.fullmatch(value) else _redact_value(key, value)


def _json_string(escaped: str) -> str:
    """The text of a JSON string literal's body (the body itself when it does not decode)."""
    try:
        return str(json.loads(f'"{escaped}"'))
    except ValueError:
        return escaped
