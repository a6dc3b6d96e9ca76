"""Named deviations: realistic ways a service could break the contract, switched on to prove the suites catch them."""

from __future__ import annotations

DEVIATIONS: dict[str, str] = {
    "accept_reused_token": "a continuation token stays valid after it was used (tokens are not single-use)",
    "drop_trace_id": "error bodies omit `trace_id`",
    "accept_wrong_otp": "any one-time passcode is accepted",
    "wrong_error_code": "a `challenge_type` without `redirect` answers `invalid_request` instead of "
    "`unsupported_challenge_type`",
    "no_redirect_fallback": "where the web-fallback redirect response is due, an `invalid_request` error is returned",
    "id_token_without_openid": "`id_token` is issued even when `openid` was not requested",
    "refresh_token_without_offline_access": "`refresh_token` is issued even when `offline_access` was not requested",
    "unmasked_challenge_target_label": "`challenge_target_label` shows the full email address or phone number",
    "error_codes_as_strings": "`error_codes` holds strings instead of integers",
    "server_error_on_bad_attributes": "malformed `attributes` JSON crashes the service with HTTP 500",
    "resend_keeps_old_code": "a resent one-time passcode does not invalidate the previous one",
    "expired_token_accepted": "expired continuation tokens are still accepted",
    "missing_correlation_header": "responses carry neither `client-request-id` nor `x-ms-request-id`",
    "undocumented_error_value": "`user_not_found` is answered as the undocumented `error` value `user_does_not_exist`",
    "bad_jwt_signature": "access and id tokens are signed with a key that is not in the JWKS",
    "token_type_lowercase": "the token response says `token_type: bearer` instead of `Bearer`",
    "legacy_password_errors": "password-policy failures use the legacy top-level `error` values (e.g. "
    "`password_too_weak`) without `invalid_grant`",
    "sspr_expires_in_too_long": "`/resetpassword/v1.0/continue` answers `expires_in` above the documented "
    "600 s maximum",
    "legacy_token_name": "success bodies name the token `signup_token`/`credential_token`/`password_reset_token` "
    "(pre-rename) instead of `continuation_token`",
    "errors_with_status_200": "documented errors are answered with HTTP 200 instead of 400",
}


def unknown(names: list[str] | tuple[str, ...]) -> list[str]:
    """The names that are not deviations the mock knows."""
    return [name for name in names if name not in DEVIATIONS]
