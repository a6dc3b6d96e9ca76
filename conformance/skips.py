"""Skips as data: why tests did not run, counted by reason and by what ruled them out.

A skip reason says what ruled the test out by how it starts: the profile (the tenant lacks a feature the rule is
about, or the profile does not name what the test needs), a run option (`--slow`), or the specification data (an
error row that no request from outside can trigger). The summary, the HTML report and the run's last lines count them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from conformance.expiry import SLOW_PREFIX
from conformance.walker.features import LACKING_PREFIX

UNTRIGGERABLE_PREFIX = "cannot be triggered from outside"
#: Category → (how its reasons start, how the run's last lines name it), in the order they are shown.
CATEGORIES: dict[str, tuple[str, str]] = {
    "profile": (LACKING_PREFIX, "ruled out by the profile"),
    "option": (SLOW_PREFIX, "need --slow"),
    "untriggerable": (UNTRIGGERABLE_PREFIX, "cannot be triggered from outside (specs/errors.yaml)"),
    "other": ("", "skipped for another reason"),
}


def category(reason: str) -> str:
    """What ruled a test out, from its skip reason."""
    return next(name for name, (prefix, _) in CATEGORIES.items() if reason.startswith(prefix))


def tally(reasons: Iterable[str]) -> dict[str, Any]:
    """The skip reasons counted: total, per category, and per reason (most frequent first within each category)."""
    counts = Counter(reasons)
    by_reason = sorted(counts.items(), key=lambda item: (list(CATEGORIES).index(category(item[0])), -item[1], item[0]))
    by_category: Counter[str] = Counter()
    for reason, count in counts.items():
        by_category[category(reason)] += count
    return {
        "total": sum(counts.values()),
        "by_category": {name: by_category[name] for name in CATEGORIES if by_category[name]},
        "by_reason": [{"reason": r, "category": category(r), "tests": n} for r, n in by_reason],
    }


def headline(skips: dict[str, Any]) -> str:
    """`235 skipped: 219 ruled out by the profile, 11 need --slow, …` ('' when nothing was skipped)."""
    if not skips["total"]:
        return ""
    parts = ", ".join(f"{n} {CATEGORIES[name][1]}" for name, n in skips["by_category"].items())
    return f"{skips['total']} skipped: {parts}"


def lines(skips: dict[str, Any]) -> list[str]:
    """The headline, then one line per reason: `  87  no user flow with MFA …`."""
    if not skips["total"]:
        return []
    return [headline(skips), *(f"{item['tests']:5d}  {item['reason']}" for item in skips["by_reason"])]
