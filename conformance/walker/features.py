"""What a walk needs of a user flow, and which application of the profile offers it.

A test names the features its rule is about (`needs`) and, where any flow would do, which it would rather have
(`prefer`); when no application of the profile has what it needs, `Lacking` says which feature is missing, and the
test skips with that reason (the plugin turns `Lacking` into a skip). `needs(condition, what)` raises it for anything
else a test needs the profile to name (a second client, a scope, a phone number).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from conformance.profile import Application, TargetProfile, UserFlow

LACKING_PREFIX = "target profile: "


@dataclass(frozen=True)
class Feature:
    """One thing a user flow offers, as the profile declares it (`key`) and as a skip reason names it (`label`)."""

    label: str
    key: str
    offered_by: Callable[[UserFlow], bool]

    def __str__(self) -> str:
        return self.label


PASSWORD = Feature(
    "e-mail + password sign-in", 'tenant.auth_method = "email_password"', lambda t: t.auth_method == "email_password"
)
EMAIL_OTP = Feature(
    "e-mail one-time-passcode sign-in", 'tenant.auth_method = "email_otp"', lambda t: t.auth_method == "email_otp"
)
SSPR = Feature("self-service password reset", "tenant.sspr", lambda t: t.sspr)
MFA = Feature("MFA", "tenant.mfa", lambda t: t.mfa)
NO_MFA = Feature("sign-in without MFA", "tenant.mfa = false", lambda t: not t.mfa)
ATTRIBUTES = Feature(
    "required attributes", "tenant.attributes[].required", lambda t: any(a.required for a in t.attributes)
)
#: What the walk prefers where any user flow would do: the richest flow that still ends in tokens.
PLAIN = (NO_MFA, PASSWORD)


class Lacking(Exception):
    """The profile lacks what a test needs: no user flow with these features, or another thing it names."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what

    @classmethod
    def features(cls, needs: Iterable[Feature]) -> Lacking:
        wanted = list(needs)
        return cls(f"no user flow with {' and '.join(f.label for f in wanted)} ({', '.join(f.key for f in wanted)})")

    @property
    def reason(self) -> str:
        """The skip reason: `target profile: ` and what is missing."""
        return LACKING_PREFIX + self.what


def needs(condition: bool, what: str) -> None:
    """`Lacking` `what` (the test skips with it) unless `condition` holds for the target."""
    if not condition:
        raise Lacking(what)


def app_with(profile: TargetProfile, *needs: Feature, prefer: Iterable[Feature] = PLAIN) -> Application:
    """The application whose user flow has every feature of `needs` and the most of `prefer` (earlier ones weigh
    more), the profile's main application first among equals; `Lacking` when none has `needs`."""
    offering = [app for app in profile.apps() if all(f.offered_by(app.tenant) for f in needs)]
    if not offering:
        raise Lacking.features(needs)
    ranked = [f for f in prefer if f not in needs]
    return max(offering, key=lambda app: [f.offered_by(app.tenant) for f in ranked])


def has(profile: TargetProfile, *needs: Feature) -> bool:
    """Whether some application's user flow has every feature of `needs`."""
    return any(all(f.offered_by(app.tenant) for f in needs) for app in profile.apps())
