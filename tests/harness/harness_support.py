"""Names the harness-core tests share: the mock's seeded applications and users, the fault-queue helper's type."""

from __future__ import annotations

from collections.abc import Callable

PASSWORD_APP = "11112222-bbbb-3333-cccc-4444dddd5555"  # password-basic: email + password, no MFA
OTP_APP = "22223333-cccc-4444-dddd-5555eeee6666"  # email one-time passcode
CASEY, CASEY_PASSWORD = "casey@contoso.com", "Casey-Pass-2026!"

#: `faults(endpoint, *responses) -> client_request_id`: canned responses queued in the mock for a fresh id.
Faults = Callable[..., str]
