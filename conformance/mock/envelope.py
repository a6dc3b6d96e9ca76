"""Documented error bodies built from `specs/errors.yaml` rows (api-reference.md §1.1), and the redirect body (§1.2)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from conformance.contract.errors import ErrorRow, ErrorTable

# AADSTS codes for rows whose docs print none, keyed by (error, suberror). Where Entra's public AADSTS list has a code
# for the same condition it is used (comment names it); 90000xx numbers are the mock's own and mean nothing elsewhere.
MOCK_CODES: dict[tuple[str, str | None], int] = {
    ("invalid_request", None): 900144,  # "The request body must contain the following parameter"
    ("invalid_client", None): 550022,  # SDK tests: "Confidential Client is not supported in Native Authentication"
    ("invalid_client", "nativeauthapi_disabled"): 9000010,
    ("unauthorized_client", None): 700016,  # "Application ... was not found in the directory"
    ("unsupported_challenge_type", None): 9000020,
    ("invalid_grant", None): 55200,  # the docs' "The continuation_token is invalid" code (E10, E13)
    ("invalid_grant", "password_too_weak"): 399246,  # printed on E3b
    ("invalid_grant", "password_too_short"): 9000031,
    ("invalid_grant", "password_too_long"): 9000032,
    ("invalid_grant", "password_recently_used"): 9000033,
    ("invalid_grant", "password_banned"): 9000034,
    ("invalid_grant", "password_is_invalid"): 9000035,
    ("invalid_grant", "attribute_validation_failed"): 9000040,
    ("invalid_grant", "invalid_oob_value"): 50181,  # legacy S13 "Unable to validate the otp"
    ("invalid_grant", "mfa_required"): 50076,  # "you must use multi-factor authentication"
    ("invalid_grant", "registration_required"): 50079,  # "user is required to enroll for multi-factor authentication"
    ("expired_token", None): 552003,  # the `error_codes` of the documented expired-token examples
    ("user_not_found", None): 50034,  # "The user account does not exist in the directory"
    ("invalid_scope", None): 70011,  # "The provided value for the input parameter 'scope' isn't valid"
    ("unsupported_grant_type", None): 70003,  # "The app requested an unsupported grant type"
    ("server_error", None): 50000,  # "There was an error issuing a token or an issue with our sign-in service"
    ("access_denied", None): 9000050,
    ("access_denied", "provider_blocked_by_admin"): 9000051,
    ("access_denied", "provider_blocked_by_rep"): 9000052,
    ("verification_required", None): 9000060,
    ("invalid_resource", None): 500011,  # "The resource principal ... was not found in the tenant"
    ("interaction_required", None): 50158,  # "External security challenge not satisfied"
    ("temporarily_unavailable", None): 90055,  # "TenantThrottlingError: There are too many incoming requests"
}
FALLBACK_CODE = 9000000


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a response must say when no documented row applies (unknown path, wrong method, internal bug)."""

    status: int
    error: str
    code: int
    description: str


NOT_FOUND = Outcome(404, "invalid_request", 9000404, "The requested endpoint does not exist.")
METHOD_NOT_ALLOWED = Outcome(405, "invalid_request", 9000405, "The endpoint only accepts POST.")
INTERNAL = Outcome(500, "server_error", 50000, "The mock tenant hit an internal error (logged).")


class ApiError(Exception):
    """A documented error, raised by row id; `extra` fields (continuation_token, ...) are merged into the body and
    `headers` (Retry-After, ...) are sent with it."""

    def __init__(
        self,
        row_id: str,
        *,
        detail: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(row_id)
        self.row_id = row_id
        self.detail = detail
        self.status = status
        self.headers = headers
        self.extra = extra


class Crash(Exception):
    """A deliberate HTTP 500 (the `server_error_on_bad_attributes` deviation), not a bug."""


class Redirect(Exception):
    """The web-fallback answer: HTTP 200 `{"challenge_type": "redirect"}` (with `redirect_reason` on /token)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "redirect")
        self.reason = reason


def redirect_body(reason: str | None) -> dict[str, Any]:
    """The documented redirect body."""
    body: dict[str, Any] = {"challenge_type": "redirect"}
    if reason:
        body["redirect_reason"] = reason
    return body


def timestamp(now: float) -> str:
    """The documented `yyyy-mm-dd hh:mm:ssZ` form."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(now))


def code_for(row: ErrorRow) -> int:
    """The row's first documented AADSTS code, else the mock's code for its (error, suberror)."""
    if row.aadsts:
        return row.aadsts[0]
    return MOCK_CODES.get((row.error, row.suberror), MOCK_CODES.get((row.error, None), FALLBACK_CODE))


def envelope(
    error: str,
    code: int,
    text: str,
    *,
    correlation_id: str,
    now: float,
    deviations: Collection[str] = (),
) -> dict[str, Any]:
    """The common error body (§1.1) with a fresh trace id."""
    trace_id = str(uuid.uuid4())
    stamp = timestamp(now)
    body: dict[str, Any] = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {text}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {stamp}"
        ),
        "error_codes": [str(code)] if "error_codes_as_strings" in deviations else [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    }
    if "drop_trace_id" in deviations:
        del body["trace_id"]
    return body


def outcome_body(outcome: Outcome, *, correlation_id: str, now: float, deviations: Collection[str] = ()) -> dict:
    """Error body for a transport-level outcome (404, 405, 500)."""
    return envelope(
        outcome.error, outcome.code, outcome.description, correlation_id=correlation_id, now=now, deviations=deviations
    )


def error_response(
    table: ErrorTable,
    exc: ApiError,
    *,
    correlation_id: str,
    now: float,
    deviations: Collection[str] = (),
) -> tuple[int, dict[str, Any]]:
    """HTTP status and body for a raised ApiError; KeyError when the row id is not in the table (a mock bug)."""
    row = table.get(exc.row_id)
    if "wrong_error_code" in deviations and row.error == "unsupported_challenge_type":
        row = table.get(f"{row.table}.invalid_request")
    error, suberror = row.error, row.suberror
    if "legacy_password_errors" in deviations and suberror and suberror.startswith("password_"):
        error, suberror = suberror, None
    if "undocumented_error_value" in deviations and error == "user_not_found":
        error = "user_does_not_exist"
    body = envelope(
        error,
        code_for(row),
        exc.detail or row.description,
        correlation_id=correlation_id,
        now=now,
        deviations=deviations,
    )
    if suberror:
        body["suberror"] = suberror
    body.update(exc.extra)
    status = exc.status or row.status
    if "errors_with_status_200" in deviations:
        status = 200
    return status, body
