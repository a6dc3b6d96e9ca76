"""What the fuzzer found: one entry per distinct problem, with a redacted curl reproducer of its first case."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from schemathesis import Case, Response

from conformance import redaction
from conformance.fuzz import wire

MAX_BODY_SHOWN = 600


@dataclass(slots=True)
class Finding:
    """A distinct problem (check + requirement + title) and how often it was seen."""

    check: str
    requirement: str
    title: str
    detail: str
    reproducer: str
    warning: bool = False
    count: int = 1

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two findings the same problem."""
        return self.check, self.requirement, self.title

    def render(self) -> str:
        """The problem without its reproducer."""
        seen = f" (seen {self.count}x)" if self.count > 1 else ""
        return f"{self.check}: {self.title}{seen}\n{self.detail}".rstrip()


@dataclass(slots=True)
class Findings:
    """Findings of one test, deduplicated; the first case of each problem is kept as its reproducer."""

    items: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)

    def add(self, finding: Finding) -> None:
        """Record a finding, or count it again when the same problem was already recorded."""
        known = self.items.get(finding.key)
        if known is None:
            self.items[finding.key] = finding
        else:
            known.count += 1

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.items.values() if not f.warning]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.items.values() if f.warning]

    def grouped(self, *, warning: bool) -> list[tuple[str, str]]:
        """(requirement, text) per case that showed problems: every problem of the case, then its reproducer once."""
        groups: dict[tuple[str, str], list[Finding]] = {}
        for item in self.items.values():
            if item.warning == warning:
                groups.setdefault((item.requirement, item.reproducer), []).append(item)
        return [
            (requirement, "\n".join([*(item.render() for item in items), reproducer]))
            for (requirement, reproducer), items in groups.items()
        ]


def secrets_of(fields: dict[str, str] | None) -> list[str]:
    """Passwords and codes of a sent form, redacted wherever they appear (tokens are redacted by key, keeping a
    prefix that lets a reader match a token to the answer that issued it)."""
    found = (value for key, value in (fields or {}).items() if redaction.is_secret(key) and not redaction.is_token(key))
    return [value for value in found if value]


def reproducer(case: Case, response: Response | None, base_url: str, *, note: str = "") -> str:
    """A curl command that replays the case (secrets fingerprinted) and what the target answered."""
    fields = wire.form(response.request) if response is not None else None
    secrets = secrets_of(fields)
    curl = redaction.redact_text(case.as_curl_command(base_url=base_url), secrets)
    lines = [f"  reproduce: {curl}"]
    if note:
        lines.insert(0, f"  {note}")
    if response is not None:
        lines.append(f"  answered: HTTP {response.status_code} {_shown_body(response, secrets)}")
    return "\n".join(lines)


def _shown_body(response: Response, secrets: list[str]) -> str:
    body = wire.json_body(response)
    text = json.dumps(redaction.redact_json(body), sort_keys=True) if body is not None else response.text_lossy()
    text = redaction.redact_text(text, secrets)
    return text if len(text) <= MAX_BODY_SHOWN else text[:MAX_BODY_SHOWN] + "…"
