"""Redaction of free text on its way into reports: failure messages, tracebacks, captured output, findings.

Transcripts are redacted when recorded; free text is not (a traceback shows function arguments, a test may print a
token). Each test's raw secret values are collected from its client's own HTTP traffic (kept in memory only, never
written) so that any written form of them, anywhere in the report, becomes a fingerprint, as do the secrets the
process remembered (OTP codes, passwords: `conformance.redaction.remember`); patterns catch what is left:
`key=value`, `"key": "value"`, Python `'key': 'value'` and `key = 'value'` for secret field names and the words
below, and JWT-shaped strings.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from conformance.client import NativeAuthClient
from conformance.contract import secrets as secret_fields
from conformance.redaction import (
    MIN_SECRET_LENGTH,
    KnownSecrets,
    fingerprint,
    is_fingerprint,
    is_secret,
    is_token,
    redact_text,
)

__all__ = ["MIN_SECRET_LENGTH", "Scrubber", "SecretWatch", "scrub", "scrub_data", "scrub_headers", "scrub_report"]

#: Words that name a secret in free text (a traceback's `token = '…'`), beyond the schemas' secret field names.
SECRET_WORDS = frozenset({"token", "secret", "otp", "code"})
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


@cache
def _names() -> frozenset[str]:
    return frozenset(secret_fields.fields()) | SECRET_WORDS


@cache
def _python_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Python `'name': 'value'` pairs and `name = 'value'` assignments for every secret name."""
    names = "|".join(sorted(map(re.escape, _names()), key=len, reverse=True))
    pair = re.compile(rf"""(?i)(['"])({names})\1(\s*:\s*b?)(['"])([^'"\n]*)""")
    assignment = re.compile(rf"""(?im)^(\s*)({names})(\s*=\s*b?)(['"])([^'"\n]*)""")
    return pair, assignment


def _mark(name: str, value: str) -> str:
    """A value under a sensitive name, fingerprinted (already-redacted values stay as they are)."""
    if not value or is_fingerprint(value):
        return value
    return fingerprint(value, prefix=is_token(name) or name.lower() == "token")


class Scrubber:
    """Fingerprints known secrets, in the forms they are commonly written in, and anything shaped like a secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._known = KnownSecrets(secrets, min_length=MIN_SECRET_LENGTH)

    def text(self, text: str) -> str:
        """`text` with every secret fingerprinted."""
        if not text:
            return text
        text = redact_text(text, self._known)
        pair, assignment = _python_patterns()
        text = pair.sub(lambda m: f"{m[1]}{m[2]}{m[1]}{m[3]}{m[4]}{_mark(m[2], m[5])}", text)
        text = assignment.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{m[4]}{_mark(m[2], m[5])}", text)
        return _JWT.sub(lambda m: fingerprint(m[0]), text)

    def data(self, data: Any) -> Any:
        """A JSON-like value with every string scrubbed; a `[name, value]` pair with a sensitive name is redacted."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {key: self.data(value) for key, value in data.items()}
        if isinstance(data, list | tuple):
            if len(data) == 2 and all(isinstance(x, str) for x in data) and data[0].lower() in _names():
                return [data[0], _mark(data[0], self.text(data[1]))]
            return [self.data(value) for value in data]
        return data


@lru_cache(maxsize=4)
def scrubber(secrets: frozenset[str] = frozenset()) -> Scrubber:
    """A scrubber for these secrets, shared by the phases and the transcript of a test that saw the same ones."""
    return Scrubber(secrets)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with known secrets and anything shaped like one fingerprinted."""
    return scrubber(frozenset(secrets)).text(text)


def scrub_data(data: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON-like value with every string scrubbed (see `Scrubber.data`)."""
    return scrubber(frozenset(secrets)).data(data)


def scrub_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers with credentials and cookies fingerprinted."""
    return {k: fingerprint(v, prefix=False) if k.lower() in SENSITIVE_HEADERS else v for k, v in headers.items()}


def scrub_report(report: pytest.TestReport, config: pytest.Config, secrets: Iterable[str]) -> None:
    """Redact the report's failure text, captured sections and string properties in place.

    A skip's `(path, lineno, message)` stays a tuple (pytest's JUnit writer requires one); a string stays a string;
    an exception's representation goes through pytest's own serializer and back, with every string scrubbed.
    """
    cleaner = scrubber(frozenset(secrets))
    report.user_properties = [(name, cleaner.data(value)) for name, value in report.user_properties]
    if report.longrepr is None and not report.sections:
        return
    original = report.longreprtext + "".join(content for _, content in report.sections)
    if cleaner.text(original) == original:
        return
    report.sections = [(title, cleaner.text(content)) for title, content in report.sections]
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, lineno, message = longrepr
        report.longrepr = (path, lineno, cleaner.text(str(message)))
    elif isinstance(longrepr, str):
        report.longrepr = cleaner.text(longrepr)
    elif longrepr is not None:
        data = config.hook.pytest_report_to_serializable(config=config, report=report)
        data = {**data, "longrepr": cleaner.data(data.get("longrepr")), "sections": []}
        report.longrepr = config.hook.pytest_report_from_serializable(config=config, data=data).longrepr


def _form_values(body: bytes) -> set[str]:
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=False)
    return {value for key, value in pairs if is_secret(key)}


def _json_values(data: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if is_secret(str(key)) and value is not None and not isinstance(value, bool):
                found.add(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
            else:
                found |= _json_values(value)
    elif isinstance(data, list):
        for value in data:
            found |= _json_values(value)
    return found


class SecretWatch:
    """Collects the raw secret values a client sends and receives during the current test (memory only)."""

    def __init__(self) -> None:
        self.current: set[str] = set()

    def attach(self, client: NativeAuthClient) -> None:
        """Observe a client's traffic (once per client)."""
        if self._observe not in client.observers:
            client.observers.append(self._observe)

    def start(self) -> set[str]:
        """Begin a new test: a fresh set of secrets, returned so the test's phases can keep using it."""
        self.current = set()
        return self.current

    def _observe(self, request: httpx.Request, response: httpx.Response | None) -> None:
        with contextlib.suppress(httpx.RequestNotRead, UnicodeError, ValueError):
            self.current |= _form_values(request.content)
        if response is not None:
            with contextlib.suppress(httpx.HTTPError, UnicodeError, ValueError):
                self.current |= _json_values(response.json())
