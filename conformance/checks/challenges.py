"""Checks of what a challenge shows: an OTP challenge answer (§7.5), a masked destination label, and the masked
login hints of the methods E7 (`signinIntrospect`) lists."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.client import ApiResponse
from conformance.contract import openapi
from conformance.verdicts import Verdict


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


def masked_label(verdict: Verdict, response: ApiResponse, address: str) -> None:
    """`challenge_target_label` is the obfuscated destination, never the plain address (§7.5)."""
    label = response.json.get("challenge_target_label")
    verdict.check(
        isinstance(label, str) and label.strip() != address and "*" in label,
        "R-OTP-MASKED-LABEL",
        f"challenge_target_label {label!r} is not a masked form of the address",
    )


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
