"""Redaction for transcripts, reports and logs: secrets become a keyed fingerprint, so equal values still match.

`fingerprint("AQABAAEAAAAtyolDObpQQ5VtlI4uGjEPeu…")` → `AQAB…#3f9a1c2d`. The hash is an HMAC under a key that is
random per run unless `CONFORMANCE_REDACTION_KEY` is set: an unkeyed hash of an 8-digit code or a dictionary password
could be reversed by brute force. `export_key()` puts the key into the environment so that the processes a run starts
(xdist workers) fingerprint alike. Tokens keep a four-character prefix to help a reader; passwords and codes none.

Redaction holds by construction, two ways. By field: every value of a field the schemas mark `x-secret`, whatever
the field is called (`conformance.contract.secrets`). By value: every OTP code the mock issued or an OTP source
returned, and every password revealed from the environment, is `remember`ed in this process, and `redact_text`,
the report scrubber and every log record (`redact_log_records`) replace it wherever it appears, in any of its common
spellings, in one pass (Aho-Corasick) however many there are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from secrets import token_hex
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from conformance.contract import secrets as secret_fields

KEY_ENV = "CONFORMANCE_REDACTION_KEY"
PREFIX_MIN_LENGTH = 16
#: Shorter values (a deliberately weak password like `abc`) are too common as text to be replaced everywhere.
MIN_SECRET_LENGTH = 6
_FINGERPRINT = re.compile(r"(?:.{4})?…#[0-9a-f]{8}")


def is_secret(name: str) -> bool:
    """True when a field of that name holds a secret (the schemas mark it `x-secret`)."""
    return secret_fields.kind_of(name) is not None


def is_token(name: str) -> bool:
    """True when a field of that name holds a token (its fingerprint keeps a short prefix)."""
    return secret_fields.kind_of(name) == "token"


@cache
def _pair_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """`name=value` and `"name": "value"` for every secret field name."""
    names = "|".join(sorted(map(re.escape, secret_fields.fields()), key=len, reverse=True))
    form = re.compile(rf"(?i)(?<![\w-])({names})=([^&\s\"']*)")
    json_pair = re.compile(rf'(?i)"({names})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
    return form, json_pair


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


def is_fingerprint(value: str) -> bool:
    """True when `value` is already what `fingerprint` writes (so it is never fingerprinted again)."""
    return _FINGERPRINT.fullmatch(value) is not None


def _redact_value(key: str, value: Any) -> Any:
    """The redacted form of one value under a sensitive key (None and booleans are not secrets)."""
    if value is None or isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return fingerprint(text, prefix=is_token(key))


def redact_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of form fields with sensitive ones fingerprinted (a list value has each item fingerprinted)."""
    redacted: dict[str, Any] = {}
    for key, value in form.items():
        if not is_secret(key):
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
            key: _redact_value(key, value) if is_secret(str(key)) else redact_json(value)
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
    """Free text with `secrets`, every remembered secret (raw, URL-encoded, JSON-escaped) and secret `k=v` /
    `"k": "v"` pairs redacted."""
    known = secrets if isinstance(secrets, KnownSecrets) else KnownSecrets(secrets)
    text = known.replace(text)
    for remembered in REMEMBERED.known():
        text = remembered.replace(text)
    form, json_pair = _pair_patterns()
    text = form.sub(lambda m: f"{m[1]}={_redact_pair(m[1], unquote_plus(m[2]))}", text)
    return json_pair.sub(lambda m: f'"{m[1]}"{m[2]}"{_redact_pair(m[1], _json_string(m[3]))}"', text)


def _written_forms(secret: str) -> set[str]:
    """The ways a secret is commonly written in HTTP bodies and logs."""
    return {
        secret, quote_plus(secret), quote(secret, safe=""),
        json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def _redact_pair(key: str, value: str) -> str:
    """A `key=value` value fingerprinted, unless it already is a fingerprint."""
    return value if is_fingerprint(value) else _redact_value(key, value)


def _json_string(escaped: str) -> str:
    """The text of a JSON string literal's body (the body itself when it does not decode)."""
    try:
        return str(json.loads(f'"{escaped}"'))
    except ValueError:
        return escaped


REMEMBERED_LIMIT = 20_000
"""Secrets remembered at most, the oldest forgotten first: a long-lived `mock serve` remembers every OTP it sends, and
its memory must not grow with its uptime (a conformance run handles far fewer)."""


@dataclass(slots=True)
class _Level:
    """Some remembered values and, once asked for, their matcher."""

    values: list[str]
    matcher: KnownSecrets | None = None

    def known(self) -> KnownSecrets:
        if self.matcher is None:
            self.matcher = KnownSecrets(self.values)
        return self.matcher


class Remembered:
    """The secrets this process handled beyond one exchange: OTP codes and revealed passwords (thread-safe), the
    newest REMEMBERED_LIMIT of them.

    The values sit in levels whose sizes halve from the oldest to the newest, each with its own matcher, and two levels
    merge when the newer grows as large as the older (a binary counter): a value is built into a matcher O(log n)
    times, and a text is matched O(log n) times. A long-lived `mock serve`, which remembers a code per OTP and redacts
    each log line, so pays a cost per value that barely grows with its uptime."""

    def __init__(self) -> None:
        self._values: OrderedDict[str, None] = OrderedDict()  # the oldest first
        self._lock = threading.Lock()
        self._levels: list[_Level] = []  # the oldest first
        self._held = 0  # values in the levels, forgotten ones included until their level is rebuilt

    def add(self, value: str) -> None:
        """Remember a secret value (values shorter than MIN_SECRET_LENGTH are too common to replace as text)."""
        if len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._values:
                return
            self._values[value] = None
            if len(self._values) > REMEMBERED_LIMIT:
                self._values.popitem(last=False)
            self._levels.append(_Level([value]))
            self._held += 1
            while len(self._levels) > 1 and len(self._levels[-2].values) <= len(self._levels[-1].values):
                newer = self._levels.pop()
                self._levels[-1] = _Level(self._levels[-1].values + newer.values)
            if self._held > 2 * REMEMBERED_LIMIT:  # let go of what was forgotten: one level of what is remembered
                self._levels, self._held = [_Level(list(self._values))], len(self._values)

    def known(self) -> tuple[KnownSecrets, ...]:
        """Matchers that together cover every value remembered so far."""
        with self._lock:
            return tuple(level.known() for level in self._levels)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def __len__(self) -> int:
        return len(self._values)


REMEMBERED = Remembered()


def remember(value: str) -> str:
    """Remember a secret this process handled (an OTP code, a password), so no report or log shows it; returns it."""
    if isinstance(value, str) and value:
        REMEMBERED.add(value)
    return value


def _redacting_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record  # a malformed call: logging reports it itself when the record is formatted
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    return factory


def redact_log_records() -> None:
    """From now on, every log record this process creates is redacted (message and traceback) before any handler
    sees it: remembered secrets and secret `k=v` / `"k": "v"` pairs. Idempotent."""
    previous = logging.getLogRecordFactory()
    if not getattr(previous, "redacts", False):
        logging.setLogRecordFactory(_redacting_factory(previous))
