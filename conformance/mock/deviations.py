"""Named deviations: realistic ways a service could break the contract, switched on to prove the suites catch them.

Each declares, beside what it serves, the requirement(s) it breaks (`fnmatch` patterns over requirement ids: error
rows, `R-*` rules) and the suite tests expected to catch it (a `pytest -k` expression the fast kill table runs). The
kill table counts a deviation caught only when a test fails under a requirement it breaks; for one that breaks only
rules the docs do not state (basis observed or inferred), when a test newly warns under one. A schema failure (under
the endpoint's tag) never counts: no deviation names an endpoint tag.

`READINGS` are the other side: answers an erratum tolerates, or that the docs allow, served to prove the suites do
not fail them (they must end in a warning under the requirements named, or pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True, slots=True)
class Deviation:
    """What the mock serves when the deviation is on, the requirements that breaks, and the tests that catch it."""

    what: str
    breaks: tuple[str, ...]  # fnmatch patterns over requirement ids
    caught_by: str  # a `pytest -k` expression: the tests the fast kill table runs

    def breaks_requirement(self, requirement: str) -> bool:
        return any(fnmatchcase(requirement, pattern) for pattern in self.breaks)


D = Deviation
_PASSWORD_ROWS = ("E1.invalid_grant.password_*", "E3b.invalid_grant.password_*", "E14.invalid_grant.password_*")
#: The rows whose AADSTS code the docs fix (under the condition the suites provoke).
_FIXED_CODE_ROWS = (
    "E1.user_already_exists",
    "E3a.credential_required",
    "E3a.invalid_grant.invalid_oob_value",
    "E3b.invalid_grant.password_too_weak",
    "*.attributes_required",
    "E3c.expired_token",
    "E15.expired_token",
    "E6.invalid_grant",
    "E7.invalid_request",
    "E8.invalid_request",
    "E9.invalid_request",
    "E10.invalid_request",
    "E13.invalid_request",
)

DEVIATIONS: dict[str, Deviation] = {
    "accept_reused_token": D(
        "a continuation token stays valid after it was used (tokens are not single-use)",
        ("R-TOKEN-SINGLE-USE", "R-SSPR-POLL-AFTER-SUCCESS"),
        "test_reused_token_is_refused",
    ),
    "drop_trace_id": D("error bodies omit `trace_id`", ("R-ENVELOPE-TRACE-ID",), "test_error_row"),
    "accept_wrong_otp": D(
        "any one-time passcode is accepted",
        ("*.invalid_grant.invalid_oob_value", "R-OTP-RESEND-INVALIDATES"),
        "test_error_row and invalid_oob_value or test_resent_code_invalidates_the_previous_one",
    ),
    "wrong_error_code": D(
        "a `challenge_type` without `redirect` answers `invalid_request` (without the examples' AADSTS901007) instead "
        "of `unsupported_challenge_type`",
        ("*.unsupported_challenge_type",),
        "test_list_without_redirect_is_refused or test_error_row and unsupported_challenge_type",
    ),
    "no_redirect_fallback": D(
        "where the web-fallback redirect response is due, an `invalid_request` error is returned",
        ("R-REDIRECT-FALLBACK", "R-CAPABILITY-FALLBACK"),
        "falls_back_to_redirect",
    ),
    "id_token_without_openid": D(
        "`id_token` is issued even when `openid` was not requested",
        ("R-SCOPE-OPENID",),
        "test_tokens_follow_the_requested_scopes",
    ),
    "refresh_token_without_offline_access": D(
        "`refresh_token` is issued even when `offline_access` was not requested",
        ("R-SCOPE-OFFLINE-ACCESS",),
        "test_tokens_follow_the_requested_scopes",
    ),
    "unmasked_challenge_target_label": D(
        "`challenge_target_label` shows the full email address or phone number",
        ("R-OTP-MASKED-LABEL",),
        "test_otp_challenge_states_the_code_it_sent or masked_address",
    ),
    "error_codes_as_strings": D(
        "`error_codes` holds strings instead of integers", ("R-ENVELOPE-ERROR-CODES",), "test_error_row"
    ),
    "server_error_on_bad_attributes": D(
        "malformed `attributes` JSON crashes the service with HTTP 500",
        ("R-NO-SERVER-ERROR", "E1.invalid_request", "R-ATTRIBUTES-JSON"),
        "test_attributes_that_are_not_a_json_object_are_refused or test_stateless and signupStart",
    ),
    "resend_keeps_old_code": D(
        "a resent one-time passcode does not invalidate the previous one",
        ("R-OTP-RESEND-INVALIDATES",),
        "test_resent_code_invalidates_the_previous_one",
    ),
    "expired_token_accepted": D(
        "expired continuation tokens are still accepted", ("R-TOKEN-EXPIRY",), "test_expired_token_is_refused"
    ),
    "missing_correlation_header": D(
        "responses carry neither `client-request-id` nor `x-ms-request-id`",
        ("R-CORRELATION-HEADERS",),
        "test_error_row and E1.",
    ),
    "undocumented_error_value": D(
        "`user_not_found` is answered as the undocumented `error` value `user_does_not_exist`",
        ("*.user_not_found",),
        "test_error_row and user_not_found",
    ),
    "bad_jwt_signature": D(
        "access and id tokens are signed with a key that is not in the JWKS",
        ("R-ID-TOKEN-SIGNED",),
        "test_sign_in_with_password or test_auto_sign_in_after_sign_up",
    ),
    "token_type_lowercase": D(
        "the token response says `token_type: bearer` instead of `Bearer`",
        ("R-TOKEN-TYPE",),
        "test_sign_in_with_password or test_tokens_follow_the_requested_scopes",
    ),
    "legacy_password_errors": D(
        "password-policy failures use the legacy top-level `error` values (e.g. `password_too_weak`) without "
        "`invalid_grant`",
        _PASSWORD_ROWS,
        "test_error_row and password_",
    ),
    "sspr_expires_in_too_long": D(
        "the password-reset code step (E13) answers `expires_in` above the documented 600 s maximum",
        ("R-SSPR-EXPIRES-IN",),
        "test_password_reset_completes",
    ),
    "legacy_token_name": D(
        "success bodies name the token `signup_token`/`credential_token`/`password_reset_token` (pre-rename) "
        "instead of `continuation_token`",
        ("R-TOKEN-EVERY-STEP",),
        "test_sign_up_with_everything_at_start",
    ),
    "errors_with_status_200": D(
        "documented errors are answered with HTTP 200 instead of 400", ("E*.*", "G-token.*"), "test_error_row"
    ),
    # Documented values in the wrong place: each answer below is in some table of the docs, but not for this case.
    "expired_as_invalid_request_e3c": D(
        "an expired token on the sign-up attributes step answers `invalid_request` instead of `expired_token`",
        ("E3c.expired_token", "R-TOKEN-EXPIRY"),
        "test_error_row and E3c.expired_token or test_expired_token_is_refused and E3c",
    ),
    "expired_as_invalid_request_e9": D(
        "an expired token on the registration challenge (E9) answers `invalid_request` instead of `expired_token`",
        ("E9.expired_token", "R-TOKEN-EXPIRY"),
        "test_error_row and E9.expired_token or test_expired_token_is_refused and E9",
    ),
    "expired_as_invalid_request_e15": D(
        "an expired token on the password-reset poll (E15) answers `invalid_request` instead of `expired_token`",
        ("E15.expired_token", "R-TOKEN-EXPIRY"),
        "test_error_row and E15.expired_token or test_expired_token_is_refused and E15",
    ),
    "expired_as_invalid_request_e6": D(
        "an expired token on the token endpoint (E6) answers `invalid_request` instead of `expired_token`",
        ("E6.expired_token", "R-TOKEN-EXPIRY"),
        "test_error_row and E6.expired_token or test_expired_token_is_refused and E6",
    ),
    "invalid_token_as_invalid_request_e6": D(
        "an invalid continuation token on the token endpoint (E6) answers `invalid_request` (the class other endpoints "
        "use) instead of `invalid_grant`",
        ("E6.invalid_grant",),
        "test_tampered_token_is_refused and E6",
    ),
    "weak_password_as_too_short": D(
        "a password that fails complexity is refused with the documented but wrong suberror `password_too_short`",
        ("*.invalid_grant.password_too_weak",),
        "test_error_row and password_too_weak",
    ),
    "mfa_required_dropped": D(
        "a user who must do MFA gets tokens from the password grant (no `mfa_required`)",
        ("E6.invalid_grant.mfa_required",),
        "test_error_row and mfa_required",
    ),
    "short_otp": D(
        "one-time passcodes have 6 digits while the challenge announces the tenant's `code_length` of 8",
        ("R-OTP-CODE-LENGTH",),
        "test_otp_challenge_states_the_code_it_sent",
    ),
    "wrong_aadsts_code": D(
        "rows whose AADSTS code the docs fix carry another code in `error_codes`",
        _FIXED_CODE_ROWS,
        "test_error_row and (user_already_exists or credential_required)",
    ),
    "redirect_alone_continues": D(
        "a start request whose `challenge_type` is only `redirect` goes on (a continuation token) instead of the "
        "redirect response",
        ("R-REDIRECT-FALLBACK",),
        "test_redirect_alone_is_answered_with_the_redirect",
    ),
    "unknown_user_as_invalid_grant": D(
        "an unknown username answers the legacy `invalid_grant` (ERR-15) instead of `user_not_found`",
        ("*.user_not_found",),
        "test_error_row and user_not_found",
    ),
    "blocked_sms_as_invalid_grant": D(
        "a blocked phone number is refused under `invalid_grant` (the parent ERR-10 rules wrong) instead of "
        "`access_denied`",
        ("E9.access_denied.*",),
        "test_error_row and provider_blocked",
    ),
    "wrong_otp_as_invalid_request": D(
        "a wrong one-time passcode answers `invalid_request` (the legacy S13 table, ERR-05) instead of "
        "`invalid_grant` + `invalid_oob_value`",
        ("*.invalid_grant.invalid_oob_value",),
        "test_error_row and invalid_oob_value",
    ),
    "poll_token_spent": D(
        "a pending password-reset poll (E15) answer spends the submit step's (E14) token and hands out a new one, so "
        "polling again with E14's token is refused (what MSAL does fails)",
        ("R-SSPR-POLL-REPOLL",),
        "test_pending_poll_accepts_the_submit_token_again",
    ),
    "no_client_info": D(
        "the token response omits `client_info` although the request asked for it (`client_info=1`, as MSAL does)",
        ("R-CLIENT-INFO",),
        "test_token_answer_carries_client_info_when_asked",
    ),
    "lenient_registration_challenge_type": D(
        "the registration challenge (E9) accepts any `challenge_type` list naming `oob` (e.g. "
        "`oob password redirect`), where the spec takes `oob` with or without `redirect` only (ERR-73)",
        ("R-INVALID-REQUEST-REFUSED",),
        "test_stateful and signin",
    ),
    "sspr_closed_challenge_types": D(
        "password reset refuses a `challenge_type` list that also names `password` (the closed-list reading ERR-72 "
        "rules out, which breaks MSAL's password reset)",
        ("R-CHALLENGE-TYPE-ANY-FLOW",),
        "test_password_reset_accepts_every_type_the_client_supports",
    ),
    # Requests no client library sends (conformance/suites/test_requests.py and the scope and expiry tests).
    "bad_attributes_ignored": D(
        "an `attributes` value that is not a JSON object is ignored (the sign-up goes on as if none was sent) instead "
        "of refused as `invalid_request`",
        ("E1.invalid_request", "R-ATTRIBUTES-JSON"),
        "test_attributes_that_are_not_a_json_object_are_refused",
    ),
    "server_error_on_duplicate_parameters": D(
        "a form parameter sent twice crashes the service with HTTP 500",
        ("R-NO-SERVER-ERROR", "R-DUPLICATE-PARAMETER"),
        "test_a_repeated_parameter_is_refused",
    ),
    "server_error_on_unknown_grant_type": D(
        "an unknown `grant_type` at the token endpoint (E6) crashes the service with HTTP 500",
        ("R-NO-SERVER-ERROR", "E6.unsupported_grant_type"),
        "test_error_row and E6.unsupported_grant_type",
    ),
    "empty_client_id_unauthorized": D(
        "an empty `client_id` is answered as an unknown client (`unauthorized_client`) instead of `invalid_request`",
        ("E1.invalid_request", "E2.invalid_request", "E4.invalid_request", "E11.invalid_request"),
        "test_an_empty_client_id_is_refused",
    ),
    "json_request_body_accepted": D(
        "a JSON request body (`Content-Type: application/json`) is read as if it were the form",
        ("R-REQUEST-FORM-ENCODED",),
        "test_a_body_that_is_not_form_encoded_is_refused",
    ),
    "server_error_on_empty_body": D(
        "a request without a body crashes the service with HTTP 500",
        ("R-NO-SERVER-ERROR", "E1.invalid_request", "E2.invalid_request", "E4.invalid_request", "E11.invalid_request"),
        "test_a_request_without_a_body_is_refused",
    ),
    "text_plain_content_type": D(
        "every answer says `Content-Type: text/plain` (its body still JSON)",
        ("R-RESPONSE-JSON",),
        "test_sign_up_with_everything_at_start",
    ),
    "poll_before_submit": D(
        "the password-reset poll (E15) takes the token E13 handed out (no new password was ever submitted) and "
        "answers `succeeded`",
        ("R-TOKEN-STEP-SCOPED", "E15.invalid_request"),
        "test_polling_before_the_new_password_is_submitted_is_refused",
    ),
    "continuation_grant_ignores_scope": D(
        "the `continuation_token` grant (auto sign-in) ignores `scope`: it always issues an id_token and a "
        "refresh_token",
        ("R-SCOPE-OPENID", "R-SCOPE-OFFLINE-ACCESS"),
        "test_tokens_follow_the_requested_scopes and continuation_token",
    ),
    "otp_never_expires": D(
        "a one-time passcode is accepted however long after it was sent",
        ("R-OTP-EXPIRY",),
        "test_expired_code_is_refused",
    ),
}

#: Readings the docs allow (an erratum tolerates them, or the docs say nothing against them): the suites must not fail
#: them; `breaks` names where they must warn (empty: they must pass).
READINGS: dict[str, Deviation] = {
    "no_redirect_as_invalid_request_901007": D(
        "a `challenge_type` without `redirect` answers `invalid_request` with AADSTS901007, as the docs' examples do "
        "(ERR-01)",
        ("*.unsupported_challenge_type",),
        "test_error_row and unsupported_challenge_type",
    ),
    "unknown_grant_as_invalid_grant": D(
        "an unknown `grant_type` on the token endpoint (E6) answers `invalid_grant` (ERR-62)",
        ("E6.unsupported_grant_type",),
        "test_error_row and E6.unsupported_grant_type",
    ),
    "error_codes_from_the_prefix": D(
        "rows whose examples print AADSTS901007 in the description carry 901007 in `error_codes` (ERR-03)",
        ("E3c.expired_token", "E15.expired_token", "E6.invalid_grant", "E7.invalid_request", "E8.invalid_request"),
        "test_error_row and (E3c.expired_token or E6.invalid_grant or E7.invalid_request)",
    ),
    "id_token_without_email": D(
        "id tokens carry neither `email` nor `preferred_username` (OpenID Connect gives them only with the email and "
        "profile scopes)",
        (),
        "test_sign_in_with_password or test_auto_sign_in_after_sign_up",
    ),
}

#: Every switch the mock knows: deviations and readings.
SWITCHES: dict[str, Deviation] = {**DEVIATIONS, **READINGS}


def descriptions() -> dict[str, str]:
    """Switch name → what it serves (the control API's and `conformance mock deviations`'s listing)."""
    return {name: switch.what for name, switch in SWITCHES.items()}


def unknown(names: list[str] | tuple[str, ...]) -> list[str]:
    """The names that are not switches the mock knows."""
    return [name for name in names if name not in SWITCHES]
