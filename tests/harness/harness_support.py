"""Names the harness-core tests share: the mock's seeded applications and users, the fault-queue helper's type, the
mock cut down to one user flow, and real answers tampered with to see a check fail."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import httpx

from conformance.client import ApiResponse
from conformance.target import Target
from conformance.verdicts import Severity, Verdict

MAIN_APP = "00001111-aaaa-2222-bbbb-3333cccc4444"  # main: email + password, MFA, SSPR, a required attribute
PASSWORD_APP = "11112222-bbbb-3333-cccc-4444dddd5555"  # password-basic: email + password, no MFA
OTP_APP = "22223333-cccc-4444-dddd-5555eeee6666"  # email one-time passcode
CASEY, CASEY_PASSWORD = "casey@contoso.com", "Casey-Pass-2026!"

DROP = object()  # `tampered(response, field=DROP)` removes the field

#: `faults(endpoint, *responses) -> client_request_id`: canned responses queued in the mock for a fresh id.
Faults = Callable[..., str]


def one_flow(target: Target, client_id: str) -> Target:
    """The target with its profile cut down to the one application `client_id` (a tenant with one user flow)."""
    app = next(app for app in target.profile.apps() if app.client_id == client_id)
    profile = dataclasses.replace(target.profile, client_id=app.client_id, tenant=app.tenant, applications=())
    return dataclasses.replace(target, profile=profile)


def tampered(response: ApiResponse, *, status: int | None = None, drop_header: str | None = None,
             **body: Any) -> ApiResponse:
    """A copy of a real response with its status, a header or body fields changed (`DROP` removes a field)."""
    changed = copy.deepcopy(response.json)
    for key, value in body.items():
        if value is DROP:
            changed.pop(key, None)
        else:
            changed[key] = value
    headers = httpx.Headers({k: v for k, v in response.headers.items() if k != drop_header})
    return dataclasses.replace(response, status=status or response.status, headers=headers, body=changed)


def run(check: Callable[..., Any], *args: Any, **kwargs: Any) -> set[tuple[str, Severity]]:
    """The (requirement, severity) pairs of the findings `check` records on a fresh verdict."""
    verdict = Verdict()
    check(verdict, *args, **kwargs)
    return {(finding.requirement, finding.severity) for finding in verdict.findings}
