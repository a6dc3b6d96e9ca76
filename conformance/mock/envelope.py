"""Documented error bodies built from `specs/errors.yaml` rows (api-reference.md §1.1), and the redirect body (§1.2)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance.contract import errata, errors
from conformance.contract.errors import ErrorRow, ErrorTable

# AADSTS codes for rows whose docs print none, neither for the row nor for its condition (`condition_codes`), keyed by
# (error, suberror). Where Entra's public AADSTS list has a code for the same condition it is used (comment names it);
# 90000xx numbers are the mock's own and mean nothing elsewhere.
MOCK_CODES: dict[tuple[str, str | None], int] = {
    ("invalid_request", None): 900144,  # "The request body must contain the following parameter"
    ("invalid_client", None): 550022,  # SDK tests: "Confidential Client is not supported in Native Authentication"
    ("invalid_client", "nativeauthapi_disabled"): 9000010,
    ("unauthorized_client", None): 700016,  # "Application ... was not found in the directory"
    ("unsupported_challenge_type", None): 9000020,
    ("invalid_grant", None): 9000030,
    ("invalid_grant", "password_too_short"): 9000031,
    ("invalid_grant", "password_too_long"): 9000032,
    ("invalid_grant", "password_recently_used"): 9000033,
    ("invalid_grant", "password_banned"): 9000034,
    ("invalid_grant", "password_is_invalid"): 9000035,
    ("invalid_grant", "attribute_validation_failed"): 9000040,
    ("invalid_grant", "mfa_required"): 50076,  # "you must use multi-factor authentication"
    ("invalid_grant", "registration_required"): 50079,  # "user is required to enroll for multi-factor authentication"
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
        condition: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(row_id)
        self.row_id = row_id
        self.detail = detail
        self.status = status
        self.headers = headers
        self.condition = condition  # the condition met (specs/conditions.yaml): which of the row's codes apply
        self.extra = extra


class Crash(Exception):
    """A deliberate HTTP 500 (the `server_error_on_bad_attributes` deviation), not a bug."""


class Redirect(Exception):
    """The web-fallback answer: HTTP 200 `{"challenge_type": "redirect"}` (with `redirect_reason` on E6)."""

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


def documented_codes(row: ErrorRow, condition: str | None = None) -> tuple[int, ...]:
    """The AADSTS codes the docs print for the row under `condition` (under any condition when none is named)."""
    return row.codes_for(condition) if condition else row.aadsts


@cache
def condition_codes() -> dict[str, int]:
    """Each condition's own AADSTS code: one the docs print under that condition and no other (for an expired or an
    invalid continuation token, a wrong code, a weak password, ...), the first printed where there are several."""
    printed: dict[int, set[str]] = {}
    for row in errors.table():
        for condition, codes in row.conditions.items():
            for code in codes:
                printed.setdefault(code, set()).add(condition)
    own: dict[str, int] = {}
    for code, conditions in printed.items():
        if len(conditions) == 1:
            own.setdefault(next(iter(conditions)), code)
    return own


def code_for(row: ErrorRow, condition: str | None = None) -> int:
    """The first AADSTS code the docs print for the row under `condition` (by default the row's one condition), else
    the condition's own code, else the mock's code for its (error, suberror)."""
    if condition is None and len(row.conditions) == 1:
        condition = next(iter(row.conditions))
    documented = documented_codes(row, condition)
    if documented:
        return documented[0]
    if condition in condition_codes():
        return condition_codes()[condition]
    return MOCK_CODES.get((row.error, row.suberror), MOCK_CODES.get((row.error, None), FALLBACK_CODE))


#: Deviations that rename an `error` value (conformance/mock/deviations.py): the legacy or undocumented readings.
RENAMED_ERRORS = {
    "undocumented_error_value": ("user_not_found", "user_does_not_exist"),
    "unknown_user_as_invalid_grant": ("user_not_found", "invalid_grant"),
    "blocked_sms_as_invalid_grant": ("access_denied", "invalid_grant"),
}


def _tolerated_code(erratum_id: str) -> int:
    """The AADSTS code an erratum's softening names (the reading a `READINGS` switch serves)."""
    soft = errata.get(erratum_id).softens
    assert soft is not None
    return int(next(iter(soft.codes or soft.tolerate)))


def _deviated(
    table: ErrorTable, row: ErrorRow, condition: str | None, deviations: Collection[str]
) -> tuple[ErrorRow, str, str | None, int]:
    """The row, `error`, `suberror` and AADSTS code to serve, after the deviations that change them."""
    code = code_for(row, condition)
    if row.error == "unsupported_challenge_type" and "no_redirect_as_invalid_request_901007" in deviations:
        row, code = table.expected(row.table, "invalid_parameter"), _tolerated_code("ERR-01")
    if row.error == "unsupported_challenge_type" and "wrong_error_code" in deviations:
        row = table.expected(row.table, "invalid_parameter")
        code = code_for(row, "invalid_parameter")
    if documented_codes(row, condition) and "wrong_aadsts_code" in deviations:
        code = FALLBACK_CODE
    softened = errata.get("ERR-03").softens
    if "error_codes_from_the_prefix" in deviations and softened and row.id in softened.rows:
        code = _tolerated_code("ERR-03")
    error, suberror = row.error, row.suberror
    if "legacy_password_errors" in deviations and suberror and suberror.startswith("password_"):
        error, suberror = suberror, None
    for name, (documented, served) in RENAMED_ERRORS.items():
        if error == documented and name in deviations:
            error = served
    return row, error, suberror, code


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
    row, error, suberror, code = _deviated(table, table.get(exc.row_id), exc.condition, deviations)
    body = envelope(
        error,
        code,
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
