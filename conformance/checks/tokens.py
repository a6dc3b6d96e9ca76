"""Checks of a step's answer to a continuation token and of token answers: the token taken (§2.1, §7.1), the Bearer
token response per scope, `client_info` (observed in MSAL) and the id_token against the target's JWKS (§E6)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable

import jwt

from conformance.checks.answers import continuation_token, success
from conformance.checks.envelope import error_envelope
from conformance.client import ApiResponse
from conformance.contract import errors, openapi
from conformance.verdicts import Verdict

#: Clock skew tolerated between the target and this runner when checking `iat`/`exp`/`nbf` (the 5 minutes
#: token-validation libraries such as Microsoft.IdentityModel allow by default).
CLOCK_SKEW_S = 300
CLIENT_INFO_RULE = "R-CLIENT-INFO"


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
