"""Small named checks, each of one documented statement, reused by every suite (`checks.error_row`, …).

Every check records its findings on a `Verdict` under a requirement id that resolves to spec data: an error-row id
(`E1.user_already_exists`), an endpoint or step tag (`E6`, `E3a`), or a cross-cutting rule id (`R-...`).

- `answers`: any answer: what came, its schema, a success with its token, the redirect, JSON;
- `envelope`: an error answer: its row, the envelope fields, the correlation id, a refusal;
- `tokens`: a step's answer to its token, token responses, `client_info`, the id_token;
- `challenges`: what a challenge shows: the OTP challenge, masked labels and login hints.
"""

from conformance.checks.answers import continuation_token, describe, json_answers, redirect, schema, success
from conformance.checks.challenges import masked_label, masked_login_hints, otp_challenge
from conformance.checks.envelope import (
    Refusal,
    aadsts,
    correlation,
    error_codes,
    error_envelope,
    error_row,
    error_value,
    refused,
    refused_one_of,
    status,
    suberror,
    trace_id,
)
from conformance.checks.tokens import CLIENT_INFO_RULE, CLOCK_SKEW_S, client_info, id_token, token_response, took_token

__all__ = [
    "CLIENT_INFO_RULE",
    "CLOCK_SKEW_S",
    "Refusal",
    "aadsts",
    "client_info",
    "continuation_token",
    "correlation",
    "describe",
    "error_codes",
    "error_envelope",
    "error_row",
    "error_value",
    "id_token",
    "json_answers",
    "masked_label",
    "masked_login_hints",
    "otp_challenge",
    "redirect",
    "refused",
    "refused_one_of",
    "schema",
    "status",
    "suberror",
    "success",
    "took_token",
    "token_response",
    "trace_id",
]
