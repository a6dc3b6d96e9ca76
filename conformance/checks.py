"""Small named checks, each of one documented statement, reused by every suite.

Every check records its findings on a `Verdict` under a requirement id that resolves to spec data: an error-row id
(`E1.user_already_exists`), an endpoint or step tag (`E6`, `E3a`), or a cross-cutting rule id (`R-...`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable

import jwt

from conformance.client import ApiResponse, Exchange
from conformance.contract import errata, errors, openapi, schemas, vocabulary
from conformance.contract.errors import ErrorRow
from conformance.verdicts import Severity, Verdict

JSON_MEDIA = re.compile(r"(?i)^\s*application/([\w.+-]*\+)?json\s*(;|$)")


#: Clock skew tolerated between the target and this runner when checking `iat`/`exp`/`nbf` (the 5 minutes
#: token-validation libraries such as Microsoft.IdentityModel allow by default).
CLOCK_SKEW_S = 300
CLIENT_INFO_RULE = "R-CLIENT-INFO"


def _realizing_suberrors(row: ErrorRow) -> set[str]:
    """The suberrors the same table documents under the row's `error` (a parent row is realized through them)."""
    return {r.suberror for r in errors.table().for_table(row.table) if r.error == row.error and r.suberror}


def describe(response: ApiResponse) -> str:
    """What came, in a few words: the redirect, a success, the status with `error`/`suberror`, or the status and why
    the body is not one JSON object."""
    if response.is_redirect:
        return "the redirect response"
    if response.problem:
        return f"HTTP {response.status} ({response.problem})"
    if response.status == 200:
        return "HTTP 200" + (" with a continuation_token" if response.continuation_token else "")
    return " ".join(str(part) for part in (f"HTTP {response.status}", response.error, response.suberror) if part)


def schema(verdict: Verdict, response: ApiResponse, as_status: int | None = None) -> bool:
    """The response body matches the schema documented for its endpoint and status (§2, §3–§6); `as_status` judges
    it as the body of that documented status instead (an error an erratum lets come with another status)."""
    tag = openapi.operation(response.path).doc_tag
    status = as_status or response.status
    try:
        openapi.operation(response.path).response(status)
    except KeyError:
        return verdict.check(False, tag, f"HTTP {status} is not a documented status of {response.path}")
    if as_status:
        problems = schemas.validate_response(response.path, status, response.body)
    else:
        problems = response.exchange.schema_errors
    if not verdict.check(not problems, tag, f"HTTP {status} body breaks its schema: " + "; ".join(problems)):
        return False
    for line, named in schemas.softened(response.path, status, response.body):
        _softened_constraint(verdict, tag, f"HTTP {status} body: {line}", named)
    return True


def _softened_constraint(verdict: Verdict, tag: str, message: str, named: tuple[str, ...]) -> None:
    """A schema constraint marked `x-verdict: warning`: tolerated by the erratum that softens `schema` there; left to
    the check an erratum it names softens instead (`envelope.trace_id`); else a warning, as the schema marks it."""
    checks = {erratum_id: errata.get(erratum_id).softens for erratum_id in named}
    by_schema = next((erratum_id for erratum_id, soft in checks.items() if soft and soft.check == "schema"), None)
    if by_schema:
        verdict.check(False, tag, message, tolerated_by=by_schema)
    elif not any(soft for soft in checks.values()):
        verdict.check(False, tag, f"{message} (the schema marks this constraint a warning)", severity=Severity.WARNING)


def success(verdict: Verdict, response: ApiResponse, requirement: str) -> bool:
    """A step the docs say succeeds answers 200 with a documented body, and the token its next step takes (a link of
    the OpenAPI document feeds it on). True when the flow moved on, whatever the body's other findings (so the
    checks after it still say what they check)."""
    moved_on = response.status == 200 and not response.is_redirect
    verdict.check(moved_on, requirement, f"expected HTTP 200 moving the flow on, got {describe(response)}")
    schema(verdict, response)
    if moved_on and any(
        link.status == 200 and link.applies(response.json) and "continuation_token" in dict(link.body)
        for link in openapi.operation(response.path).links
    ):
        continuation_token(verdict, response)
    return moved_on


def continuation_token(verdict: Verdict, response: ApiResponse, requirement: str = "R-TOKEN-EVERY-STEP") -> str:
    """Every step answer that moves the flow carries a non-empty continuation token (§7.1)."""
    token = response.continuation_token
    verdict.check(bool(token) and isinstance(token, str), requirement, "response carries no continuation_token")
    return token or ""


def error_row(verdict: Verdict, response: ApiResponse, row_id: str, condition: str | None = None) -> None:
    """The response is the documented error row `row_id` (specs/errors.yaml) with the full envelope."""
    error_envelope(verdict, response, errors.table().get(row_id), condition)


def error_envelope(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> None:
    """The response is the documented error row, provoked by `condition` (default: the row's only one), with the full
    envelope (§1.1, the row's table). One check per statement: status, error, suberror and AADSTS code under the row,
    each softened only where an erratum tolerates that very answer; the envelope fields under their rules. A success
    where the error was due is said once, by the status check. An answer whose body is not one JSON object (not JSON,
    empty, too large, repeated names) is that one finding, whatever errata tolerate (they rule between readings of a
    JSON error body)."""
    if response.problem:
        verdict.check(False, row.id, f"expected the documented error body ({row.id}), got {describe(response)}")
        return
    if condition is None and len(row.conditions) == 1:
        condition = next(iter(row.conditions))
    status(verdict, response, row, condition)
    if 200 <= response.status < 300:
        schema(verdict, response)
        return
    other_status = response.status != row.status and _tolerated("status", row, condition, response.status)
    as_status = row.status if other_status else None
    error_value(verdict, response, row, condition)
    suberror(verdict, response, row, condition)
    codes_ok = error_codes(verdict, response)
    if codes_ok:
        aadsts(verdict, response, row, condition)
    description = response.json.get("error_description")
    verdict.check(
        isinstance(description, str) and bool(description.strip()),
        "R-ENVELOPE-DESCRIPTION",
        f"error_description missing or empty: {description!r}",
    )
    stamp = response.json.get("timestamp")
    verdict.check(
        vocabulary.pattern("timestamp").match(stamp),
        "R-ENVELOPE-TIMESTAMP",
        f"timestamp {stamp!r} is not {vocabulary.pattern('timestamp').what}",
    )
    trace_id(verdict, response)
    correlation(verdict, response)
    schema(verdict, response, as_status)


def status(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> bool:
    """The HTTP status is the row's (§1: every native-auth error is 400)."""
    got = response.status
    return verdict.check(
        got == row.status,
        row.id,
        f"HTTP status: expected {row.status} ({row.id}), got {describe(response)}",
        tolerated_by=_tolerated("status", row, condition, got),
    )


def error_value(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> bool:
    """`error` is the row's value."""
    got = response.error
    tolerated = _tolerated("error", row, condition, got, response.json.get("error_codes"))
    return verdict.check(
        got == row.error, row.id, f"error: expected {row.error!r}, got {got!r}", tolerated_by=tolerated
    )


def suberror(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None = None) -> bool:
    """`suberror` is the row's; for a parent row, none or one its table documents under the same `error`."""
    got = response.suberror
    allowed = {row.suberror} if row.suberror else {None, *_realizing_suberrors(row)}
    return verdict.check(
        got in allowed,
        row.id,
        f"suberror: expected {' or '.join(sorted(map(repr, allowed)))}, got {got!r}",
        tolerated_by=_tolerated("suberror", row, condition, got),
    )


def error_codes(verdict: Verdict, response: ApiResponse) -> bool:
    """`error_codes` is a non-empty array of integers (§1.1)."""
    codes = response.json.get("error_codes")
    return verdict.check(
        isinstance(codes, list) and bool(codes) and all(type(code) is int for code in codes),
        "R-ENVELOPE-ERROR-CODES",
        f"error_codes must be a non-empty array of integers, got {codes!r}",
    )


def aadsts(verdict: Verdict, response: ApiResponse, row: ErrorRow, condition: str | None) -> bool:
    """`error_codes` hold one of the AADSTS codes the docs print for the row under `condition` (none printed: no
    check)."""
    documented = row.codes_for(condition)
    codes = response.json.get("error_codes") or []
    if not documented:
        return True
    tolerated = next((found for code in codes if (found := _tolerated("aadsts", row, condition, code))), None)
    return verdict.check(
        bool(set(documented) & set(codes)),
        row.id,
        f"error_codes {codes} hold none of the AADSTS codes documented for {row.id} when {condition}: "
        f"{list(documented)}",
        tolerated_by=tolerated,
    )


def trace_id(verdict: Verdict, response: ApiResponse) -> bool:
    """`trace_id` is a UUID identifying the request (§1.1); ERR-65 tolerates another non-empty string."""
    value = response.json.get("trace_id")
    if not verdict.check(isinstance(value, str) and bool(value.strip()), "R-ENVELOPE-TRACE-ID", "trace_id missing"):
        return False
    return verdict.check(
        vocabulary.pattern("guid").match(value),
        "R-ENVELOPE-TRACE-ID",
        f"trace_id {value!r} is not {vocabulary.pattern('guid').what}",
        tolerated_by=_tolerated("envelope.trace_id", None, None, "non_uuid"),
    )


def _tolerated(check: str, row: ErrorRow | None, condition: str | None, answer: object, codes: object = None) -> str:
    """The id of the erratum that tolerates `answer` in `check` of `row` (empty when none does)."""
    found = errata.tolerated(check, row.id if row else None, condition, answer, codes)
    return found.id if found else ""


def correlation(verdict: Verdict, response: ApiResponse) -> None:
    """The correlation id echoes `client-request-id` in the body (Seed002, inferred) and in the headers client
    libraries read (observed)."""
    client_request_id = response.client_request_id
    if response.status != 200:
        verdict.equal(response.json.get("correlation_id"), client_request_id, "R-CORRELATION-ECHO", "correlation_id")
    wrong = {
        header: response.headers.get(header)
        for header in ("client-request-id", "x-ms-request-id")
        if response.headers.get(header) != client_request_id
    }
    verdict.check(
        not wrong,
        "R-CORRELATION-HEADERS",
        "response headers should echo the client-request-id: "
        + ", ".join(f"{header} is {value!r}" for header, value in wrong.items()),
    )


def refused(
    verdict: Verdict, response: ApiResponse, requirement: str, row: ErrorRow, condition: str | None = None
) -> None:
    """The request is refused under `requirement` (an error answer that hands out no token, not a success or the
    redirect) and the refusal is the documented row for `condition`, each of its checks at its own severity."""
    if verdict.check(
        response.status >= 400 and bool(response.error) and not response.continuation_token,
        requirement,
        f"expected the request refused with {row.id}, got {describe(response)}",
    ):
        error_envelope(verdict, response, row, condition)


Refusal = tuple[ErrorRow, str]
"""A row that may refuse a request, and the condition it refuses under."""


def refused_one_of(
    verdict: Verdict,
    response: ApiResponse,
    rule: str,
    refusals: tuple[Refusal, ...],
    answers: Iterable[tuple[str, str | None]] = (),
) -> None:
    """The request is refused under `rule` with one of `refusals`: the one with the answer's `error` (else the first)
    is checked in full, for its condition. `answers`, when the rule itself names the refusal (R-TOKEN-EXPIRY:
    `expired_token`), are the (`error`, `suberror`) pairs the rule allows."""
    row, condition = next(((r, c) for r, c in refusals if r.error == response.error), refusals[0])
    allowed = frozenset(answers)
    if allowed and 400 <= response.status < 500 and response.error:
        got = (response.error, response.suberror)
        verdict.check(
            got in allowed,
            rule,
            f"refused with {'.'.join(filter(None, got))}, expected "
            + " or ".join(sorted(".".join(filter(None, a)) for a in allowed)),
        )
    refused(verdict, response, rule, row, condition)


def took_token(verdict: Verdict, response: ApiResponse, step: str, token: str, scopes: Iterable[str]) -> bool:
    """The step took the continuation `token` as documented: 200 moving the flow on with another token (tokens, at
    E6), or a documented flow-control error that hands out the next token (a 400 link of the operation, e.g.
    credential_required, mfa_required), never the token it was given (§2.1, §7.1)."""
    operation = openapi.operation(response.path)
    if response.status == 400 and response.continuation_token and any(link.status == 400 for link in operation.links):
        row_id = ".".join(filter(None, (step, response.error, response.suberror)))
        if verdict.check(row_id in errors.table(), step, f"undocumented flow-control answer {row_id}"):
            error_envelope(verdict, response, errors.table().get(row_id))
        handed = response.continuation_token
    elif operation.operation_id == "token":
        token_response(verdict, response, scopes)
        return response.status == 200 and not response.is_redirect
    elif success(verdict, response, step):
        handed = continuation_token(verdict, response)
    else:
        return False
    verdict.check(handed != token, "R-TOKEN-EVERY-STEP", "the step handed back the token it was given")
    return True


def token_response(verdict: Verdict, response: ApiResponse, scopes: Iterable[str]) -> None:
    """A token answer is a Bearer token response; id_token only with openid, refresh_token only with offline_access."""
    if not success(verdict, response, "E6"):
        return
    body = response.json
    requested = set(scopes)
    verdict.equal(body.get("token_type"), "Bearer", "R-TOKEN-TYPE", "token_type")
    expires_in = body.get("expires_in")
    verdict.check(
        type(expires_in) is int and expires_in > 0, "E6", f"expires_in must be a positive integer: {expires_in!r}"
    )
    verdict.check(bool(body.get("access_token")), "E6", "access_token missing")
    verdict.equal("id_token" in body, "openid" in requested, "R-SCOPE-OPENID", "id_token present")
    verdict.equal(
        "refresh_token" in body, "offline_access" in requested, "R-SCOPE-OFFLINE-ACCESS", "refresh_token present"
    )


def client_info(verdict: Verdict, response: ApiResponse) -> None:
    """A token answer to a request that sent `client_info=1` carries `client_info`: base64url JSON naming the user
    (`uid`, the id_token's `oid`) and the tenant (`utid`, its `tid`) — R-CLIENT-INFO, observed in MSAL, so a broken
    one warns unless the profile makes it strict."""
    if not success(verdict, response, "E6"):
        return
    raw = response.json.get("client_info")
    if not verdict.check(
        isinstance(raw, str) and bool(raw),
        CLIENT_INFO_RULE,
        "no client_info in the token answer (MSAL JS refuses it as client_info_missing)",
    ):
        return
    try:
        info = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        info = None
    if not verdict.check(
        isinstance(info, dict) and all(isinstance(info.get(key), str) and info[key] for key in ("uid", "utid")),
        CLIENT_INFO_RULE,
        f"client_info is not base64url JSON with uid and utid: {raw[:60]!r}",
    ):
        return
    if isinstance(response.json.get("id_token"), str):
        try:
            claims = jwt.decode(response.json["id_token"], options={"verify_signature": False})
        except jwt.PyJWTError:
            return  # the id_token check says why
        verdict.check(
            (info["uid"], info["utid"]) == (claims.get("oid"), claims.get("tid")),
            CLIENT_INFO_RULE,
            f"client_info names uid {info['uid']!r}, utid {info['utid']!r}; the id_token oid {claims.get('oid')!r}, "
            f"tid {claims.get('tid')!r}",
        )


def id_token(verdict: Verdict, token: str, jwks: dict[str, object], *, client_id: str) -> None:
    """The id_token is a JWT signed by a key of the target's JWKS, for this client, not expired, naming its subject
    (§E6, S2). Which other claims it carries depends on the scopes (OpenID Connect), which the docs do not state."""
    try:
        key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(token, key=key, algorithms=["RS256"], audience=client_id, leeway=CLOCK_SKEW_S)
    except (jwt.PyJWTError, KeyError) as exc:
        verdict.check(False, "R-ID-TOKEN-SIGNED", f"id_token does not verify against the JWKS: {exc}")
        return
    verdict.check(bool(claims.get("sub")), "R-ID-TOKEN-SIGNED", "id_token has no sub claim")


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
    """Every method E7 (`signinIntrospect`) lists shows its destination obfuscated in `login_hint`, never one of
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


def json_answers(verdict: Verdict, exchanges: Iterable[Exchange]) -> None:
    """Every answer says Content-Type: application/json (§1: "All responses from the API are in a JSON format")."""
    answered = [exchange for exchange in exchanges if exchange.status is not None]
    if not answered:
        return
    types = [
        next((v for k, v in e.response_headers.items() if k.lower() == "content-type"), "") for e in answered
    ]
    wrong = [(e, t) for e, t in zip(answered, types, strict=True) if not JSON_MEDIA.match(t)]
    first = ""
    if wrong:
        exchange, media = wrong[0]
        first = f": {exchange.operation} answered HTTP {exchange.status} with {media or 'no Content-Type'!r}"
    verdict.check(not wrong, "R-RESPONSE-JSON", f"{len(wrong)} of {len(answered)} answers are not JSON{first}")
