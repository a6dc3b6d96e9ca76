"""Redaction of free text on its way into reports: failure messages, tracebacks, captured output, findings.

Transcripts are redacted when recorded; free text is not (a traceback shows function arguments, a test may print a
token). Each test's raw secret values are collected from its client's own HTTP traffic (kept in memory only, never
written) so that any written form of them, anywhere in the report, becomes a fingerprint; patterns catch what is
left: `key=value`, `"key": "value"`, Python `'key': 'value'` and `key = 'value'`, and JWT-shaped strings.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from conformance.client import NativeAuthClient
from conformance.redaction import REDACTED_KEYS, TOKEN_KEYS, KnownSecrets, fingerprint, redact_text

#: Shorter values (a deliberately weak password like `abc`) are too common as text to be replaced everywhere.
MIN_SECRET_LENGTH = 6
SENSITIVE_NAMES = REDACTED_KEYS | {"token", "secret", "otp"}
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

_NAMES = "|".join(sorted(SENSITIVE_NAMES, key=len, reverse=True))
_FINGERPRINT = re.compile(r"(?:.{4})?…#[0-9a-f]{8}")
_PY_PAIR = re.compile(rf"""(?i)(['"])({_NAMES})\1(\s*:\s*b?)(['"])([^'"\n]*)""")
_ASSIGNMENT = re.compile(rf"""(?im)^(\s*)({_NAMES})(\s*=\s*b?)(['"])([^'"\n]*)""")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


def _mark(name: str, value: str) -> str:
    """A value under a sensitive name, fingerprinted (already-redacted values stay as they are)."""
    if not value or _FINGERPRINT.fullmatch(value):
        return value
    return fingerprint(value, prefix=name.lower() in TOKEN_KEYS)


class Scrubber:
    """Fingerprints known secrets, in the forms they are commonly written in, and anything shaped like a secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._known = KnownSecrets(secrets, min_length=MIN_SECRET_LENGTH)

    def text(self, text: str) -> str:
        """`text` with every secret fingerprinted."""
        if not text:
            return text
        text = redact_text(text, self._known)
        text = _PY_PAIR.sub(lambda m: f"{m[1]}{m[2]}{m[1]}{m[3]}{m[4]}{_mark(m[2], m[5])}", text)
        text = _ASSIGNMENT.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{m[4]}{_mark(m[2], m[5])}", text)
        return _JWT.sub(lambda m: fingerprint(m[0]), text)

    def data(self, data: Any) -> Any:
        """A JSON-like value with every string scrubbed; a `[name, value]` pair with a sensitive name is redacted."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {key: self.data(value) for key, value in data.items()}
        if isinstance(data, list | tuple):
            if len(data) == 2 and all(isinstance(x, str) for x in data) and data[0].lower() in SENSITIVE_NAMES:
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
    """Redact the report's failure text, captured sections and string properties in place."""
    cleaner = scrubber(frozenset(secrets))
    report.user_properties = [(name, cleaner.data(value)) for name, value in report.user_properties]
    if report.longrepr is None and not report.sections:
        return
    original = report.longreprtext + "".join(content for _, content in report.sections)
    if cleaner.text(original) == original:
        return
    data = config.hook.pytest_report_to_serializable(config=config, report=report)
    data = {
        **data,
        "longrepr": cleaner.data(data.get("longrepr")),
        "sections": cleaner.data(data["sections"]),
    }
    rebuilt = config.hook.pytest_report_from_serializable(config=config, data=data)
    report.longrepr = rebuilt.longrepr
    report.sections = [tuple(section) for section in rebuilt.sections]


def _form_values(body: bytes) -> set[str]:
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=False)
    return {value for key, value in pairs if key.lower() in REDACTED_KEYS}


def _json_values(data: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if str(key).lower() in REDACTED_KEYS and value is not None and not isinstance(value, bool):
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
