"""E6 `token` (§4 E6, S2): password, oob, continuation_token and mfa_oob grants, plus refresh tokens."""

from __future__ import annotations

from typing import Any

from conformance.contract import openapi
from conformance.contract.vocabulary import pattern
from conformance.mock.config import AppConfig
from conformance.mock.endpoints.base import Call
from conformance.mock.envelope import Crash, Redirect
from conformance.mock.state import Flow, User
from conformance.mock.tokens import claims, client_info, issuer
from conformance.mock.validation import OIDC_SCOPES, ScopeCheck, check_scopes

# `client_info` values that ask for the `client_info` response field (MSAL JS sends `1`; older MSALs `true`).
CLIENT_INFO_ASKED = frozenset({"1", "true"})
# OAuth 2.0 grants the generic token endpoint knows but native authentication does not serve (G-token row).
GENERIC_GRANTS = frozenset(
    {
        "authorization_code",
        "client_credentials",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
    }
)


def _client(call: Call) -> AppConfig:
    """The calling app; a confidential app that authenticates itself fails generic client authentication (401)."""
    raw = (call.form.get("client_id") or "").strip()
    app = call.tenant.app(raw) if pattern("guid").match(raw) else None
    if app is not None and not app.public and (call.form.get("client_secret") or call.form.get("client_assertion")):
        raise call.fail("client_authentication_failed", table="G-token", detail="Invalid client secret provided.")
    return call.client()


def _scopes(call: Call, *, required: bool = True, default: tuple[str, ...] = ()) -> ScopeCheck:
    """Parse `scope`: an unknown scope is E6 `invalid_scope`, an unknown resource's `.default` `invalid_resource`."""
    raw = call.param("scope", required=required)
    checked = check_scopes(raw if raw is not None else " ".join(default), call.tenant.scopes)
    if checked.problem == "invalid_resource":
        raise call.fail("unknown_resource", table="G-token", detail=checked.detail)
    if checked.problem:
        raise call.fail("invalid_scope", table="E6", detail=checked.detail)
    return checked


def _second_factor(call: Call, flow: Flow) -> None:
    """Demand MFA or strong-method registration when the user flow enforces MFA (S2; email+password only)."""
    user_flow = call.user_flow(flow.app)
    if not (user_flow.mfa and user_flow.uses_password) or flow.strong_auth_done:
        return
    assert flow.user is not None
    if flow.user.methods and call.state.deviating("mfa_required_dropped"):
        return
    if flow.user.methods:
        if "mfa_required" not in flow.capabilities:
            raise Redirect("Client is missing mfa_required capability")
        raise call.fail(
            "mfa_needed",
            detail="Multi-factor authentication is required.",
            continuation_token=call.token(flow, "E7"),
        )
    if "registration_required" not in flow.capabilities:
        raise Redirect("Client is missing registration_required capability")
    raise call.fail(
        "registration_needed",
        detail="A strong authentication method must be registered.",
        continuation_token=call.token(flow, "E8"),
    )


def _tokens(call: Call, app: AppConfig, user: User, scopes: ScopeCheck) -> dict[str, Any]:
    """The documented token response: access token always, id token with `openid`, refresh token with
    `offline_access` (S2)."""
    deviating = call.state.deviating
    lifetime = call.tenant.lifetimes.access_token
    common = claims(
        iss=issuer(call.origin, call.tenant),
        tenant=call.tenant,
        client_id=app.client_id,
        oid=user.oid,
        email=user.email,
        name=user.attributes.get("displayName"),
        now=call.now,
        lifetime=lifetime,
    )
    granted = [s.rsplit("/", 1)[-1] for s in scopes.resource_scopes] or [
        s for s in scopes.scopes if s in OIDC_SCOPES and s != "offline_access"
    ]
    access = dict(common, scp=" ".join(granted), azp=app.client_id)
    rogue = deviating("bad_jwt_signature")
    body: dict[str, Any] = {
        "token_type": "bearer" if deviating("token_type_lowercase") else "Bearer",
        "scope": " ".join(scopes.scopes),
        "expires_in": lifetime,
        "access_token": call.mock.signer.sign(access, rogue=rogue),
    }
    if "offline_access" in scopes.scopes or deviating("refresh_token_without_offline_access"):
        body["refresh_token"] = call.state.issue_refresh(user, app.client_id, scopes.scopes)
    if "openid" in scopes.scopes or deviating("id_token_without_openid"):
        named = {"email", "preferred_username"} if deviating("id_token_without_email") else set()
        body["id_token"] = call.mock.signer.sign({k: v for k, v in common.items() if k not in named}, rogue=rogue)
    if (call.form.get("client_info") or "").strip().lower() in CLIENT_INFO_ASKED and not deviating("no_client_info"):
        body["client_info"] = client_info(user.oid, call.tenant)
    call.spend()
    return body


def _refresh(call: Call) -> dict[str, Any]:
    """`grant_type=refresh_token` (generic OAuth, not in the native docs): single-use, rotating; G-token rows."""
    call.table = "G-token"
    app = call.client()
    value = call.param("refresh_token")
    assert value is not None
    record = call.state.redeem_refresh(value.strip(), app.client_id)
    if record is None:
        raise call.fail("invalid_refresh_token", detail="The refresh token is invalid, expired or already used.")
    return _tokens(call, app, record.user, _scopes(call, required=False, default=record.scopes))


def token(call: Call) -> dict[str, Any]:
    """E6: redeem a continuation token (or a refresh token) for security tokens."""
    if call.form.get("grant_type") == "refresh_token":
        return _refresh(call)
    app = _client(call)
    grant_type = (call.param("grant_type") or "").strip()
    if grant_type in GENERIC_GRANTS:
        raise call.fail(
            "unsupported_oauth_grant", table="G-token", detail=f"The grant type '{grant_type}' is not supported."
        )
    if grant_type not in openapi.grant_types("token"):
        if call.state.deviating("server_error_on_unknown_grant_type"):
            raise Crash("deviation server_error_on_unknown_grant_type")
        raise call.fail("unknown_grant_type", detail=f"The grant type '{grant_type[:40]}' is not supported.")
    scopes = _scopes(call)
    if grant_type == "password":
        password = call.param("password")
        flow = call.take("E6.password")
        assert flow.user is not None and password is not None
        call.throttle("password", flow.user.email)
        right = flow.user.password is not None and password == flow.user.password
        call.state.guessed("password", flow.user.email, right=right)
        if not right:
            raise call.fail(
                "invalid_credentials", detail="Error validating credentials due to invalid username or password"
            )
        if flow.user.interaction_required:
            raise call.fail(
                "interaction_needed", table="G-token", detail="A Conditional Access policy requires interaction."
            )
        _second_factor(call, flow)
    elif grant_type in ("oob", "mfa_oob"):
        flow, _ = call.take_with_code(f"E6.{grant_type}")
        if grant_type == "mfa_oob":
            flow.strong_auth_done = True
    else:
        username = call.param("username", required=False)
        flow = call.take("E6.continuation_token")
        assert flow.user is not None
        if username is not None and username.strip().lower() != flow.user.email:
            raise call.fail("invalid_credentials", detail="The username does not match the continuation_token.")
        _second_factor(call, flow)
        if call.state.deviating("continuation_grant_ignores_scope"):
            scopes = check_scopes("openid offline_access", call.tenant.scopes)
    assert flow.user is not None
    return _tokens(call, app, flow.user, scopes)
