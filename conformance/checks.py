"""Small named checks, each of one documented statement, reused by every suite.

Every check records its findings on a `Verdict` under a requirement id that resolves to spec data: an error-row id
(`E1.user_already_exists`), an endpoint or step tag (`E6`, `E3a`), or a cross-cutting rule id (`R-...`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

import jwt

from conformance.client import ApiResponse, Exchange
from conformance.contract import errata, errors, openapi
from conformance.contract.errors import ErrorRow
from conformance.verdicts import Severity, Verdict

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$")
AADSTS_PREFIX = re.compile(r"^AADSTS(\d+):")
JSON_MEDIA = re.compile(r"(?i)^\s*application/([\w.+-]*\+)?json\s*(;|$)")


#: Clock skew tolerated between the target and this runner when checking `iat`/`exp`/`nbf` (the 5 minutes
#: token-validation libraries such as Microsoft.IdentityModel allow by default).
CLOCK_SKEW_S = 300


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _lenient(row: ErrorRow) -> Severity:
    """FAILURE, or WARNING when an erratum on the row rules the other reading merely open."""
    rulings = [errata.get(erratum_id).verdict for erratum_id in row.errata]
    return Severity.WARNING if "warning" in rulings else Severity.FAILURE


def _realizing_suberrors(row: ErrorRow) -> set[str]:
    """The suberrors the same table documents under the row's `error` (a parent row is realized through them)."""
    return {r.suberror for r in errors.table().for_table(row.table) if r.error == row.error and r.suberror}


def schema(verdict: Verdict, response: ApiResponse) -> bool:
    """The response body matches the schema documented for its endpoint and status (§2, §3–§6)."""
    tag = openapi.operation(response.path).doc_tag
    try:
        openapi.operation(response.path).response(response.status)
    except KeyError:
        return verdict.check(False, tag, f"HTTP {response.status} is not a documented status of {response.path}")
    return verdict.check(
        not response.exchange.schema_errors,
        tag,
        f"HTTP {response.status} body breaks its schema: " + "; ".join(response.exchange.schema_errors),
    )


def success(verdict: Verdict, response: ApiResponse, requirement: str) -> bool:
    """A step the docs say succeeds answers 200 with a documented body."""
    got = "the redirect response" if response.is_redirect else f"{response.status} {response.error} {response.suberror}"
    moved_on = response.status == 200 and not response.is_redirect
    ok = verdict.check(moved_on, requirement, f"expected HTTP 200 moving the flow on, got {got}")
    return schema(verdict, response) and ok


def continuation_token(verdict: Verdict, response: ApiResponse, requirement: str = "R-TOKEN-EVERY-STEP") -> str:
    """Every step answer that moves the flow carries a non-empty continuation token (§7.1)."""
    token = response.continuation_token
    verdict.check(bool(token) and isinstance(token, str), requirement, "response carries no continuation_token")
    return token or ""


def error_row(verdict: Verdict, response: ApiResponse, row_id: str) -> None:
    """The response is the documented error row `row_id` (specs/errors.yaml) with the full envelope."""
    error_envelope(verdict, response, errors.table().get(row_id))


def error_envelope(verdict: Verdict, response: ApiResponse, row: ErrorRow) -> None:
    """The response is the documented error row with the full envelope (§1.1, the row's table)."""
    body = response.json
    severity = _lenient(row)
    verdict.equal(response.status, row.status, row.id, "HTTP status", severity)
    verdict.equal(body.get("error"), row.error, row.id, "error", severity)
    allowed = {row.suberror} if row.suberror else {None, *_realizing_suberrors(row)}
    verdict.check(
        body.get("suberror") in allowed,
        row.id,
        f"suberror: expected one of {sorted(map(str, allowed))}, got {body.get('suberror')!r}",
        severity,
    )
    codes = body.get("error_codes")
    codes_ok = verdict.check(
        isinstance(codes, list) and bool(codes) and all(type(code) is int for code in codes),
        "R-ENVELOPE-ERROR-CODES",
        f"error_codes must be a non-empty array of integers, got {codes!r}",
    )
    if row.aadsts and codes_ok:
        verdict.check(
            bool(set(row.aadsts) & set(codes)),
            row.id,
            f"error_codes {codes} contain none of the documented AADSTS codes {list(row.aadsts)}",
            severity,
        )
    description = body.get("error_description")
    verdict.check(
        isinstance(description, str) and bool(description),
        "R-ENVELOPE-DESCRIPTION",
        "error_description missing or empty",
    )
    if isinstance(description, str) and codes_ok:
        prefix = AADSTS_PREFIX.match(description)
        verdict.check(
            prefix is not None and int(prefix.group(1)) in codes,
            "R-ENVELOPE-DESCRIPTION",
            f"error_description should start with 'AADSTS<code>:' for a code in error_codes: {description[:60]!r}",
            Severity.WARNING,
        )
    verdict.check(
        TIMESTAMP.match(str(body.get("timestamp", ""))) is not None,
        "R-ENVELOPE-TIMESTAMP",
        f"timestamp {body.get('timestamp')!r} is not 'YYYY-MM-DD hh:mm:ssZ'",
    )
    verdict.check(
        _is_uuid(body.get("trace_id")), "R-ENVELOPE-TRACE-ID", f"trace_id {body.get('trace_id')!r} is not a UUID"
    )
    correlation(verdict, response)
    schema(verdict, response)


def correlation(verdict: Verdict, response: ApiResponse) -> None:
    """The correlation id echoes `client-request-id` in the body (seed 002) and the headers SDKs read (design notes)."""
    client_request_id = response.client_request_id
    if response.status != 200:
        verdict.equal(response.json.get("correlation_id"), client_request_id, "R-CORRELATION-ECHO", "correlation_id")
    for header in ("client-request-id", "x-ms-request-id"):
        verdict.check(
            response.headers.get(header) == client_request_id,
            "R-CORRELATION-HEADERS",
            f"response header {header} should echo the client-request-id, got {response.headers.get(header)!r}",
            Severity.WARNING,
        )


def token_response(verdict: Verdict, response: ApiResponse, scopes: Iterable[str]) -> None:
    """A token answer is a Bearer token response; id_token only with openid, refresh_token only with offline_access."""
    if not success(verdict, response, "E6"):
        return
    body = response.json
    requested = set(scopes)
    verdict.equal(body.get("token_type"), "Bearer", "E6", "token_type")
    expires_in = body.get("expires_in")
    verdict.check(
        type(expires_in) is int and expires_in > 0, "E6", f"expires_in must be a positive integer: {expires_in!r}"
    )
    verdict.check(bool(body.get("access_token")), "E6", "access_token missing")
    verdict.equal("id_token" in body, "openid" in requested, "R-SCOPE-OPENID", "id_token present")
    verdict.equal(
        "refresh_token" in body, "offline_access" in requested, "R-SCOPE-OFFLINE-ACCESS", "refresh_token present"
    )


def id_token(
    verdict: Verdict, token: str, jwks: dict[str, object], *, client_id: str, email: str | None = None
) -> None:
    """The id_token is a JWT signed by a key of the target's JWKS, for this client, not expired (§E6, S2)."""
    try:
        key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(token, key=key, algorithms=["RS256"], audience=client_id, leeway=CLOCK_SKEW_S)
    except (jwt.PyJWTError, KeyError) as exc:
        verdict.check(False, "R-ID-TOKEN-SIGNED", f"id_token does not verify against the JWKS: {exc}")
        return
    verdict.check(bool(claims.get("sub")), "R-ID-TOKEN-SIGNED", "id_token has no sub claim")
    if email is not None:
        claimed = {str(claims.get(name, "")).lower() for name in ("email", "preferred_username")}
        verdict.check(
            email.lower() in claimed, "R-ID-TOKEN-SIGNED", f"id_token names neither email nor username {email}"
        )


def masked_label(verdict: Verdict, response: ApiResponse, address: str) -> None:
    """`challenge_target_label` is the obfuscated destination, never the plain address (§7.5)."""
    label = response.json.get("challenge_target_label")
    verdict.check(
        isinstance(label, str) and label.strip() != address and "*" in label,
        "R-OTP-MASKED-LABEL",
        f"challenge_target_label {label!r} is not a masked form of the address",
    )


def redirect(verdict: Verdict, response: ApiResponse, requirement: str) -> None:
    """The web-fallback answer is HTTP 200 with `challenge_type=redirect` and no continuation token (§1.2)."""
    verdict.check(
        response.is_redirect,
        requirement,
        f"expected the redirect response, got HTTP {response.status} {response.exchange.response_body}",
    )
    verdict.check("continuation_token" not in response.json, requirement, "redirect response carries a token")


def masked_login_hints(verdict: Verdict, response: ApiResponse, plain: Iterable[str] = ()) -> None:
    """Every method /oauth2/v2.0/introspect lists shows its destination obfuscated in `login_hint`, never one of
    the `plain` addresses in clear (§E7)."""
    known = {address.strip().lower() for address in plain}
    for method in response.json.get("methods") or []:
        hint = method.get("login_hint") if isinstance(method, dict) else None
        verdict.check(
            isinstance(hint, str) and "*" in hint and hint.strip().lower() not in known,
            "R-MFA-LOGIN-HINT-MASKED",
            f"login_hint {hint!r} is not an obfuscated destination",
        )


def otp_challenge(
    verdict: Verdict, response: ApiResponse, *, address: str, code: str, code_length: int, channel: str = "email"
) -> None:
    """An OTP challenge answer says `oob`, binding `prompt`, its channel, a masked destination and the length of the
    code it sent, which is the tenant's OTP length (§7.5; fields of E2, E5, E12)."""
    tag = openapi.operation(response.path).doc_tag
    body = response.json
    verdict.equal(body.get("challenge_type"), "oob", tag, "challenge_type")
    verdict.equal(body.get("binding_method"), "prompt", tag, "binding_method")
    verdict.equal(body.get("challenge_channel"), channel, tag, "challenge_channel")
    masked_label(verdict, response, address)
    verdict.equal(body.get("code_length"), code_length, "R-OTP-CODE-LENGTH", "code_length (the tenant's OTP length)")
    verdict.equal(len(code), body.get("code_length"), "R-OTP-CODE-LENGTH", "length of the code delivered")


def refused_as(
    verdict: Verdict,
    response: ApiResponse,
    requirement: str,
    row: ErrorRow,
    *,
    tolerated: ErrorRow,
    why: str,
    tolerated_codes: frozenset[int] = frozenset(),
) -> None:
    """The request is refused with error row `row`; the `tolerated` row's answer, another documented reading of the
    same condition (`why`), is a WARNING when its error_codes hold one of `tolerated_codes` (if any are given); any
    other answer (a success, a redirect, another error) is a FAILURE."""
    got = response.error
    answer = got or ("the redirect response" if response.is_redirect else "no error")
    if not verdict.check(
        response.status != 200 and got in {row.error, tolerated.error},
        requirement,
        f"expected {row.id} (or {tolerated.id}), got HTTP {response.status} {answer}",
    ):
        return
    if got != row.error:
        codes = response.json.get("error_codes")
        found = set(codes) if isinstance(codes, list) else set()
        if verdict.check(
            not tolerated_codes or bool(found & tolerated_codes),
            requirement,
            f"answered {tolerated.error} with error_codes {codes}, none of {sorted(tolerated_codes)} ({why})",
        ):
            verdict.check(False, row.id, f"answered {tolerated.id} instead: {why}", Severity.WARNING)
        row = tolerated
    error_envelope(verdict, response, row)


def json_answers(verdict: Verdict, exchanges: Iterable[Exchange]) -> None:
    """Every answer says Content-Type: application/json (§1: "All responses from the API are in a JSON format")."""
    answered = [exchange for exchange in exchanges if exchange.status is not None]
    if not answered:
        return
    types = [
        next((v for k, v in e.response_headers.items() if k.lower() == "content-type"), "") for e in answered
    ]
    wrong = [(e, t) for e, t in zip(answered, types, strict=True) if not JSON_MEDIA.match(t)]
    first = f": {wrong[0][0].operation} answered {wrong[0][1] or 'no Content-Type'!r}" if wrong else ""
    verdict.check(not wrong, "R-RESPONSE-JSON", f"{len(wrong)} of {len(answered)} answers are not JSON{first}")
