"""The secrets a run handled (from `rawcapture.py`'s raw capture) and where, if anywhere, they were written.

Independent of the redactor on purpose: a secret is any string under a key that names one (`…token…` but
`token_type` and discovery's `token_endpoint…`, `…password…`, `…secret…`, `oob`, `code`) in a request form or JSON
body the run exchanged, every code the mock issued and every password revealed. Left out: request values the fuzzer
made up (random text, not secrets: a generated `000000` would be "found" in any page; the answers to its requests are
kept), values the specification itself prints (the error tables' example weak password `aaaaaaaa` is public), and
values shorter than the redactor's minimum (too common as text to look for).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus

from ahocorasick_rs import AhoCorasick

from conformance.contract import paths
from conformance.redaction import MIN_SECRET_LENGTH

SECRET_KEY = re.compile(r"(?i)token|password|secret|^oob$|^code$")
NOT_SECRET_KEY = re.compile(r"(?i)^token_type$|_endpoint|_supported$")


@cache
def _published() -> str:
    """Everything the specification prints (specs/ and schemas/)."""
    files = [*paths.SPECS_DIR.rglob("*.yaml"), *paths.SPECS_DIR.rglob("*.json"), *paths.SCHEMAS_DIR.rglob("*.json")]
    return "\n".join(file.read_text(encoding="utf-8") for file in files)


def _is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY.search(key)) and not NOT_SECRET_KEY.search(key)


def _json_secrets(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and _is_secret_key(str(key)):
                yield value
            else:
                yield from _json_secrets(value)
    elif isinstance(data, list):
        for value in data:
            yield from _json_secrets(value)


def handled_secrets(raw_dir: Path) -> dict[str, set[str]]:
    """Secret values by where they came from: `answered`, `sent`, `issued codes`, `revealed`."""
    found: dict[str, set[str]] = {"answered": set(), "sent": set(), "issued codes": set(), "revealed": set()}
    for file in raw_dir.glob("*.jsonl"):
        for line in file.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if "code" in entry:
                found["issued codes"].add(entry["code"])
            elif "revealed" in entry:
                found["revealed"].add(entry["revealed"])
            else:
                if not entry["fuzz"]:
                    found["sent"] |= {v for k, v in parse_qsl(entry["request"]) if _is_secret_key(k)}
                with contextlib.suppress(ValueError):
                    found["answered"] |= set(_json_secrets(json.loads(entry["response"])))
    public = _published()
    return {kind: {v for v in found[kind] if len(v) >= MIN_SECRET_LENGTH and v not in public} for kind in found}


def written_forms(secret: str) -> set[str]:
    """How a secret would appear when written as is, URL-encoded or JSON-escaped."""
    return {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}


@dataclass(frozen=True)
class Leak:
    """One secret found in one place."""

    where: str
    secret: str

    def __str__(self) -> str:
        return f"{self.where}: {self.secret[:6]}… ({len(self.secret)} chars)"


def find_leaks(secrets: Iterable[str], places: dict[str, bytes]) -> list[Leak]:
    """Every (place, secret) where a written form of the secret occurs (one pass per place, however many secrets)."""
    owners: dict[str, str] = {}
    for secret in secrets:
        for form in written_forms(secret):
            owners.setdefault(form, secret)
    if not owners:
        return []
    patterns = list(owners)
    automaton = AhoCorasick(patterns)
    leaks: set[Leak] = set()
    for where, data in places.items():
        text = data.decode("utf-8", "replace")
        for index, _, _ in automaton.find_matches_as_indexes(text, overlapping=True):
            leaks.add(Leak(where, owners[patterns[index]]))
    return sorted(leaks, key=str)


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its relative path."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}
