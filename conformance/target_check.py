"""Is a target ready for a run? Its secrets resolve, its host answers, one harmless request, its OTP source reads.

Every check is read-only: the discovery document (GET), a sign-in start for an address nobody signed up with (E4,
answered `user_not_found`), and the OTP source's `mark` (what it already holds for that address). An E4 answered
`unauthorized_client` or `invalid_client` is a problem of the profile, named by its key, not of the tenant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from conformance.client import ApiResponse, NativeAuthClient, TargetUnreachable
from conformance.contract import errors, openapi
from conformance.contract.vocabulary import usage
from conformance.otp import CommandSource, OtpError, otp_source_from_profile
from conformance.otp.base import describe
from conformance.otp.command import HINT
from conformance.profile import ImapOtp, TargetProfile
from conformance.target import profile_client

#: E4 answers for an unknown username that show the app is enabled for native auth (legacy: invalid_grant).
UNKNOWN_USER_ERRORS = ("user_not_found", "invalid_grant")
#: E4 answers that say the tenant does not take the application the profile names.
REFUSED_CLIENT_ERRORS = ("unauthorized_client", "invalid_client")


def probe_address(profile: TargetProfile) -> str:
    """An address nobody signed up with, in the profile's template, for the harmless probe requests."""
    return profile.signup.address(f"run-check-{uuid.uuid4().hex[:8]}")


def app_client_ids(profile: TargetProfile) -> list[tuple[str, str]]:
    """The profile's keys naming a native-auth public client, with their values: each must be taken by the tenant."""
    found = [("client_id", profile.client_id)]
    if profile.second_client_id:
        found.append(("second_client_id", profile.second_client_id))
    found += [(f"applications[{i}].client_id", app.client_id) for i, app in enumerate(profile.applications)]
    return found


def probe_client(client: NativeAuthClient, client_id: str, address: str) -> ApiResponse:
    """E4 for `address` as the application `client_id`."""
    form = {"client_id": client_id, "username": address, "challenge_type": usage().everything()}
    return client.send("signinInitiate", form)


def refused_client(key: str, client_id: str, response: ApiResponse) -> str | None:
    """`key: …` when the answer says the tenant does not take that application, else None."""
    if response.error not in REFUSED_CLIENT_ERRORS:
        return None
    table = errors.table()
    said = ".".join(filter(None, [response.error, response.suberror]))
    try:
        meaning = table.get(f"E4.{said}").description
    except KeyError:
        said, meaning = response.error, table.get(f"E4.{response.error}").description
    return f"{key}: the tenant refused application {client_id} ({said}: {meaning})"


def refused_clients(profile: TargetProfile) -> list[str]:
    """A problem line per application key of the profile the tenant refuses (TargetUnreachable when it is down)."""
    address = probe_address(profile)
    client = profile_client(profile)
    try:
        answers = [(key, value, probe_client(client, value, address)) for key, value in app_client_ids(profile)]
    finally:
        client.close()
    return [problem for key, value, answer in answers if (problem := refused_client(key, value, answer))]


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
    url = profile.base_url + openapi.metadata_path("discovery")
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
        response = probe_client(client, profile.client_id, address)
    except TargetUnreachable as exc:
        return Check("request", False, str(exc))
    finally:
        client.close()
    answer = f"HTTP {response.status} {response.error or ''} {response.suberror or ''}".strip()
    what = f"POST {openapi.path_of('signinInitiate')} (client_id {profile.client_id}) answered {answer}"
    if response.status == 200 or response.error in UNKNOWN_USER_ERRORS:
        return Check("request", True, what)
    if problem := refused_client("client_id", profile.client_id, response):
        return Check("request", False, f"{what}: profile {problem}")
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
    address = probe_address(profile)
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
