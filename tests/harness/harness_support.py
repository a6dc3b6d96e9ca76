"""Names the harness-core tests share: the mock's seeded applications and users, the fault-queue helper's type, and
the mock cut down to one user flow."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from conformance.target import Target

MAIN_APP = "00001111-aaaa-2222-bbbb-3333cccc4444"  # main: email + password, MFA, SSPR, a required attribute
PASSWORD_APP = "11112222-bbbb-3333-cccc-4444dddd5555"  # password-basic: email + password, no MFA
OTP_APP = "22223333-cccc-4444-dddd-5555eeee6666"  # email one-time passcode
CASEY, CASEY_PASSWORD = "casey@contoso.com", "Casey-Pass-2026!"

#: `faults(endpoint, *responses) -> client_request_id`: canned responses queued in the mock for a fresh id.
Faults = Callable[..., str]


def one_flow(target: Target, client_id: str) -> Target:
    """The target with its profile cut down to the one application `client_id` (a tenant with one user flow)."""
    app = next(app for app in target.profile.apps() if app.client_id == client_id)
    profile = dataclasses.replace(target.profile, client_id=app.client_id, tenant=app.tenant, applications=())
    return dataclasses.replace(target, profile=profile)
