"""RS256 access and id tokens, the JWKS that verifies them, and the OpenID discovery document."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from conformance.contract import openapi
from conformance.mock.config import TenantConfig
from conformance.mock.validation import OIDC_SCOPES


@cache
def _process_key() -> rsa.RSAPrivateKey:
    # One key per process: generating RSA keys costs ~100 ms and tests build many apps.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _kid(key: rsa.RSAPrivateKey) -> str:
    numbers = key.public_key().public_numbers()
    digest = hashlib.sha256(numbers.n.to_bytes(256, "big")).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


class Signer:
    """Signs JWTs with the tenant key; a second, unpublished key serves the `bad_jwt_signature` deviation."""

    def __init__(self, key: rsa.RSAPrivateKey | None = None) -> None:
        self.key = key or _process_key()
        self.kid = _kid(self.key)
        self._rogue: rsa.RSAPrivateKey | None = None

    def jwks(self) -> dict[str, Any]:
        """The public JWKS (`keys` with one RS256 signing key)."""
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def sign(self, claims: dict[str, Any], *, rogue: bool = False) -> str:
        """An RS256 JWT with `kid`; with `rogue`, signed by a key the JWKS does not contain."""
        key = self.key
        if rogue:
            if self._rogue is None:
                self._rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            key = self._rogue
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})


def issuer(origin: str, tenant: TenantConfig) -> str:
    """Token issuer: `{origin}/{tenant_id}/v2.0`, as Entra's ciamlogin issuers are shaped."""
    return f"{origin}/{tenant.tenant_id}/v2.0"


def authority(origin: str, tenant: TenantConfig) -> str:
    """Base URL clients use: `{origin}/{subdomain}.onmicrosoft.com`."""
    return f"{origin}/{tenant.subdomain}.onmicrosoft.com"


def discovery(origin: str, tenant: TenantConfig) -> dict[str, Any]:
    """The OpenID Provider configuration document."""
    base = authority(origin, tenant)
    return {
        "issuer": issuer(origin, tenant),
        "authorization_endpoint": base + openapi.metadata_path("authorize"),
        "token_endpoint": base + openapi.path_of("token"),
        "jwks_uri": base + openapi.metadata_path("jwks"),
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": sorted(OIDC_SCOPES),
        "token_endpoint_auth_methods_supported": ["none"],
        "grant_types_supported": list(openapi.grant_types("token")),
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid", "email", "preferred_username", "name", "ver",
        ],
        "tenant_region_scope": None,
    }


def client_info(oid: str, tenant: TenantConfig) -> str:
    """The token response's `client_info` (observed, MSAL): base64url JSON naming the user (`uid`) and tenant (`utid`),
    from which MSAL builds the account's `homeAccountId` (`uid.utid`)."""
    info = json.dumps({"uid": oid, "utid": tenant.tenant_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(info).decode().rstrip("=")


def subject(oid: str, client_id: str) -> str:
    """Pairwise `sub`: stable per (user, app), unlinkable across apps."""
    digest = hashlib.sha256(f"{oid}:{client_id.lower()}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def claims(
    *,
    iss: str,
    tenant: TenantConfig,
    client_id: str,
    oid: str,
    email: str,
    name: str | None,
    now: float,
    lifetime: int,
) -> dict[str, Any]:
    """Claims shared by access and id tokens."""
    issued = int(now)
    body: dict[str, Any] = {
        "iss": iss,
        "aud": client_id,
        "sub": subject(oid, client_id),
        "oid": oid,
        "tid": tenant.tenant_id,
        "email": email,
        "preferred_username": email,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "ver": "2.0",
        "uti": str(uuid.uuid4()),
    }
    if name:
        body["name"] = name
    return body
