"""Verdicts on two axes: what a check says about the target, at the severity its requirement's basis gives.

A check names its requirement and whether it held; the severity of a broken one is decided once, from data
(the OIDF way): a documented rule fails, an observed or inferred rule warns unless the target profile makes it strict
(or turns it off), and an answer an erratum tolerates in that very check warns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

#: The bases (specs/rules.yaml) a profile may make strict or turn off; `documented` always fails.
SOFT_BASES = ("observed", "inferred")


class Severity(StrEnum):
    """FAILURE breaks a documented rule; WARNING is behaviour the docs leave open (errata) or do not state."""

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


@cache
def basis(requirement: str) -> str:
    """The basis of a requirement (documented | observed | inferred); an id that resolves to nothing is documented."""
    from conformance.contract import requirements  # the contract loads on first use, never when pytest starts

    try:
        return requirements.resolve(requirement).basis
    except KeyError:
        return "documented"


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    """How hard a broken requirement is: FAILURE for a documented rule; for an observed or inferred one WARNING,
    FAILURE when `strict` names its basis or id, None (not checked) when `off` does. The profile's `[severity]`."""

    strict: frozenset[str] = frozenset()
    off: frozenset[str] = frozenset()

    def severity(self, requirement: str) -> Severity | None:
        found = basis(requirement)
        if found == "documented":
            return Severity.FAILURE
        if {requirement, found} & self.off:
            return None
        return Severity.FAILURE if {requirement, found} & self.strict else Severity.WARNING


def policy_problem(name: str) -> str | None:
    """Why `name` cannot go in a profile's `strict` or `off` list (a soft basis or the id of a soft rule); None if it
    can."""
    if name in SOFT_BASES:
        return None
    if name == "documented":
        return "documented rules always fail; list a requirement the target is known to break in expected_deviations"
    from conformance.contract import requirements

    try:
        found = requirements.resolve(name)
    except KeyError:
        return f"{name!r} is neither observed, inferred nor a requirement id"
    if found.basis == "documented":
        return f"{name} is a documented rule, which always fails (list it in expected_deviations to accept it)"
    return None


#: How the failure text of a test the target failed starts (the plugin writes it; reports and the kill table read it).
VERDICT_FAILED = "TargetDeviation: "


class TargetDeviation(AssertionError):
    """The target broke one or more documented rules (a FAILURE verdict)."""


@dataclass(slots=True)
class Verdict:
    """Collects the checks of one test; a test fails when any FAILURE finding is not an expected deviation."""

    expected_deviations: frozenset[str] = frozenset()
    policy: SeverityPolicy = field(default_factory=SeverityPolicy)
    requirements: tuple[str, ...] = ()  # the test's own requirements: their failures head the failure text
    checked: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def check(
        self,
        ok: bool,
        requirement: str,
        message: str,
        *,
        tolerated_by: str | None = None,
        severity: Severity | None = None,
    ) -> bool:
        """Record one check of `requirement`; `message` says what was expected and what came. A broken check is a
        WARNING when `tolerated_by` names the erratum that tolerates this answer, else at the severity of the
        requirement's basis. `severity` is only for findings about tools rather than rules (fuzzing's
        disagreements). A check the profile turned off records nothing."""
        level = severity or (Severity.WARNING if tolerated_by else self.policy.severity(requirement))
        if level is None:
            return ok
        self.checked.append(requirement)
        if not ok:
            text = f"{message} ({tolerated_by} tolerates this answer)" if tolerated_by else message
            finding = Finding(requirement, level, text)
            if finding not in self.findings:
                self.findings.append(finding)
        return ok

    def equal(self, actual: Any, expected: Any, requirement: str, what: str, **options: Any) -> bool:
        """Check that `what` is `expected`."""
        return self.check(actual == expected, requirement, f"{what}: expected {expected!r}, got {actual!r}", **options)

    @property
    def failures(self) -> list[Finding]:
        """FAILURE findings that are not expected deviations, those under the test's own requirements first."""
        found = [f for f in self.findings if f.severity is Severity.FAILURE and not self.is_expected(f)]
        own = [f for f in found if f.requirement in self.requirements]
        return own + [f for f in found if f.requirement not in self.requirements]

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
