"""Verdicts on two axes: what a check says about the target, chosen by severity where the check is called."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """FAILURE breaks a documented rule; WARNING is behaviour the docs leave open (errata) or an undocumented extra."""

    FAILURE = "failure"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check that did not hold, with the requirement it checks."""

    requirement: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"[{self.requirement}] {self.message}"


#: How the failure text of a test the target failed starts (the plugin writes it; reports and the kill table read it).
VERDICT_FAILED = "TargetDeviation: "


class TargetDeviation(AssertionError):
    """The target broke one or more documented rules (a FAILURE verdict)."""


@dataclass(slots=True)
class Verdict:
    """Collects the checks of one test; a test fails when any FAILURE finding is not an expected deviation."""

    expected_deviations: frozenset[str] = frozenset()
    checked: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def check(self, ok: bool, requirement: str, message: str, severity: Severity = Severity.FAILURE) -> bool:
        """Record one check of `requirement`; `message` says what was expected and what came."""
        self.checked.append(requirement)
        if not ok:
            self.findings.append(Finding(requirement, severity, message))
        return ok

    def equal(
        self, actual: Any, expected: Any, requirement: str, what: str, severity: Severity = Severity.FAILURE
    ) -> bool:
        """Check that `what` is `expected`."""
        return self.check(actual == expected, requirement, f"{what}: expected {expected!r}, got {actual!r}", severity)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.FAILURE and not self.is_expected(f)]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def expected(self) -> list[Finding]:
        """FAILURE findings the target's baseline lists as known deviations."""
        return [f for f in self.findings if f.severity is Severity.FAILURE and self.is_expected(f)]

    def is_expected(self, finding: Finding) -> bool:
        return finding.requirement in self.expected_deviations

    def conclude(self) -> None:
        """Raise when the target broke a rule; warnings and expected deviations are left for the report."""
        if self.failures:
            raise TargetDeviation("\n".join(str(f) for f in self.failures))
