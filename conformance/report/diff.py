"""Compare two runs' summary.json: what newly fails, newly passes, changed, appeared, disappeared.

Per requirement and per test. `report_diff` is the click command (`conformance report diff OLD NEW`); it exits 1 when
anything newly fails (including a test or requirement that appeared failing), 2 when an input is not a summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from conformance.report import summary

RECOVERED = frozenset({"pass", "warning", "expected_deviation"})


@dataclass(frozen=True)
class Change:
    """One key whose verdict differs between the runs (None: absent from that run)."""

    key: str
    old: str | None
    new: str | None

    def __str__(self) -> str:
        return f"{self.key}: {self.old or '—'} → {self.new or '—'}"


@dataclass
class Changes:
    """The differences of one kind of key (requirements or tests)."""

    newly_failing: list[Change] = field(default_factory=list)
    newly_passing: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    appeared: list[Change] = field(default_factory=list)
    disappeared: list[Change] = field(default_factory=list)

    @classmethod
    def between(cls, old: dict[str, str], new: dict[str, str]) -> Changes:
        """Classify every key by how its verdict moved."""
        found = cls()
        for key in sorted(old.keys() | new.keys()):
            before, after = old.get(key), new.get(key)
            change = Change(key, before, after)
            if before is None:
                found.appeared.append(change)
            elif after is None:
                found.disappeared.append(change)
            elif before == after:
                continue
            elif after == "fail":
                found.newly_failing.append(change)
            elif before in ("fail", "error") and after in RECOVERED:
                found.newly_passing.append(change)
            else:
                found.changed.append(change)
        return found

    @property
    def new_failures(self) -> list[Change]:
        """Keys failing now that did not fail before (appeared failing included)."""
        return self.newly_failing + [c for c in self.appeared if c.new == "fail"]


@dataclass
class Diff:
    """The differences between two summaries."""

    old: Path
    new: Path
    requirements: Changes
    tests: Changes

    @property
    def new_failures(self) -> list[Change]:
        return self.requirements.new_failures + self.tests.new_failures

    def lines(self) -> list[str]:
        """A readable report, one line per change."""
        out = [f"old: {self.old}", f"new: {self.new}"]
        for title, changes in (("requirements", self.requirements), ("tests", self.tests)):
            for kind in ("newly_failing", "newly_passing", "changed", "appeared", "disappeared"):
                items: list[Change] = getattr(changes, kind)
                if items:
                    out.append(f"{title} {kind.replace('_', ' ')} ({len(items)}):")
                    out.extend(f"  {item}" for item in items)
        if len(out) == 2:
            out.append("no verdict changed")
        out.append(f"{len(self.new_failures)} new failure(s)")
        return out


def diff_summaries(old: Path, new: Path) -> Diff:
    """Compare two summary.json files (or reports directories holding one)."""
    before, after = summary.load(old), summary.load(new)
    return Diff(
        old=old,
        new=new,
        requirements=Changes.between(
            {r["id"]: r["verdict"] for r in before["requirements"]},
            {r["id"]: r["verdict"] for r in after["requirements"]},
        ),
        tests=Changes.between(
            {t["nodeid"]: t["verdict"] for t in before["tests"]}, {t["nodeid"]: t["verdict"] for t in after["tests"]}
        ),
    )


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
def report_diff(old: Path, new: Path) -> None:
    """Show how verdicts moved between two runs (summary.json or reports dirs); exit 1 on new failures."""
    try:
        found = diff_summaries(old, new)
    except (OSError, ValueError, KeyError) as exc:
        error = click.ClickException(str(exc))
        error.exit_code = 2
        raise error from None
    for line in found.lines():
        click.echo(line)
    if found.new_failures:
        raise SystemExit(1)
