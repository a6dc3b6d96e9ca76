"""Is a target ready for a run? Its secrets resolve, its host answers, one harmless request, its OTP source reads.

Every check is read-only: the discovery document (GET), a sign-in start for an address nobody signed up with (E4,
answered `user_not_found`), and the OTP source's `mark` (what it already holds for that address).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from conformance.client import TargetUnreachable
from conformance.otp import CommandSource, OtpError, otp_source_from_profile
from conformance.otp.base import describe
from conformance.otp.command import HINT
from conformance.session import profile_client
from conformance.target import ImapOtp, TargetProfile

#: E4 answers for an unknown username that show the app is enabled for native auth (legacy: invalid_grant).
UNKNOWN_USER_ERRORS = ("user_not_found", "invalid_grant")


@dataclass(frozen=True)
class Check:
    """One line of the readiness table."""

    name: str
    ready: bool
    detail: str


def environment_variables(profile: TargetProfile) -> list[str]:
    """The environment variables the profile names (loading the profile already required them to be set)."""
    names = [user.password.name for user in profile.users if user.password is not None]
    if isinstance(profile.otp, ImapOtp):
        names += [profile.otp.username.name, profile.otp.password.name]
    return list(dict.fromkeys(names))


def check_environment(profile: TargetProfile) -> Check:
    names = environment_variables(profile)
    return Check("environment", True, f"set: {', '.join(names)}" if names else "the profile names no variable")


def check_host(profile: TargetProfile, http: httpx.Client) -> Check:
    """GET the tenant's OpenID discovery document."""
    url = f"{profile.base_url}/v2.0/.well-known/openid-configuration"
    try:
        response = http.get(url)
    except httpx.HTTPError as exc:
        return Check("host", False, f"cannot reach {url}: {describe(exc)}")
    if response.status_code != 200:
        return Check("host", False, f"GET {url} answered HTTP {response.status_code}")
    try:
        issuer = response.json()["issuer"]
    except (ValueError, LookupError, TypeError):
        return Check("host", False, f"GET {url} did not answer an OpenID configuration")
    return Check("host", True, f"{url} (issuer {issuer})")


def check_request(profile: TargetProfile, address: str) -> Check:
    """E4 for an address nobody signed up with: the main app must answer as a native-auth app would."""
    client = profile_client(profile)
    try:
        response = client.send(
            "signinInitiate",
            {"client_id": profile.client_id, "username": address, "challenge_type": "oob password redirect"},
        )
    except TargetUnreachable as exc:
        return Check("request", False, str(exc))
    finally:
        client.close()
    answer = f"HTTP {response.status} {response.error or ''} {response.suberror or ''}".strip()
    what = f"POST /oauth2/v2.0/initiate (client_id {profile.client_id}) answered {answer}"
    if response.status == 200 or response.error in UNKNOWN_USER_ERRORS:
        return Check("request", True, what)
    description = str(response.json.get("error_description") or "").strip().splitlines()
    return Check("request", False, what + (f": {description[0]}" if description else ""))


def check_otp(profile: TargetProfile, address: str, http: httpx.Client) -> Check:
    """Read the OTP source once (its `mark`): the outbox answers, the mailbox logs in, the command runs."""
    source = otp_source_from_profile(profile, http_client=http)
    try:
        source.mark(address)
    except OtpError as exc:
        return Check("otp source", False, str(exc))
    if isinstance(source, CommandSource) and source.failure:
        return Check("otp source", False, f"{source.label}: {source.failure} for an address with no code; {HINT}")
    return Check("otp source", True, f"{source.label} answered")


def check_target(profile: TargetProfile) -> list[Check]:
    """Every check, in order (each one runs even when an earlier one is not ready)."""
    address = profile.signup.address(f"target-check-{uuid.uuid4().hex[:8]}")
    with httpx.Client(timeout=15) as http:
        return [
            Check("profile", True, f"{profile.name}: {profile.base_url}"),
            check_environment(profile),
            check_host(profile, http),
            check_request(profile, address),
            check_otp(profile, address, http),
        ]


def table(checks: list[Check]) -> list[str]:
    """The checks as aligned lines: name, READY / NOT READY, why."""
    width = max(len(check.name) for check in checks)
    return [f"{c.name:<{width}}  {'ready' if c.ready else 'NOT READY':<9}  {c.detail}" for c in checks]
