"""Sign-in and MFA: E4 `signinInitiate`, E5 `signinChallenge`, E7 `signinIntrospect` (§4)."""

from __future__ import annotations

from typing import Any

from conformance.mock.config import AppConfig
from conformance.mock.endpoints.base import Call
from conformance.mock.envelope import Redirect
from conformance.mock.state import Flow, User
from conformance.mock.validation import mask


def first_factor(call: Call, app: AppConfig, user: User) -> str:
    """The first factor's challenge type: `password` for password users of a password flow, else `oob`."""
    return "password" if call.user_flow(app).uses_password and user.password else "oob"


def initiate(call: Call) -> dict[str, Any]:
    """E4: open a sign-in flow for an existing user."""
    app = call.client()
    challenge_types = call.challenge_types(app, required=True)
    assert challenge_types is not None
    username = (call.param("username") or "").strip()
    capabilities = call.capabilities()
    user = call.state.user(username)
    if user is None:
        raise call.fail("unknown_user", detail="The user account does not exist in the directory.")
    if first_factor(call, app, user) not in challenge_types:
        raise Redirect()
    flow = Flow("signin", app, user.email, challenge_types, capabilities, user=user)
    return {"continuation_token": call.token(flow, "E5")}


def _second_factor(call: Call) -> dict[str, Any]:
    """E5 with `id`: send the OTP of the chosen strong method (after E7)."""
    method_id = (call.param("id") or "").strip()
    flow = call.take("E5.mfa")
    assert flow.user is not None
    method = next((m for m in flow.user.methods if m.id == method_id), None)
    if method is None:
        raise call.fail("invalid_parameter", detail=f"No strong authentication method with id '{method_id[:64]}'.")
    if method.channel == "sms" and method.target in call.tenant.sms_blocked_numbers:
        raise Redirect()  # S1: SMS blocked by fraud protection as high risk → web fallback
    flow.mfa_method = method
    body = call.send_otp(flow, method.channel, method.target, "mfa")
    body["continuation_token"] = call.token(flow, "E6.mfa_oob", "E5.mfa")
    return body


def challenge(call: Call) -> dict[str, Any]:
    """E5: password challenge or email OTP for the first factor; with `id`, the MFA OTP."""
    app = call.client()
    requested = call.challenge_types(app, required=False)
    if call.form.get("id") is not None:
        return _second_factor(call)
    flow = call.take("E5")
    assert flow.user is not None
    factor = first_factor(call, app, flow.user)
    if factor not in (requested or flow.challenge_types):
        raise Redirect()
    if factor == "password":
        return {"challenge_type": "password", "continuation_token": call.token(flow, "E6.password")}
    body = call.send_otp(flow, "email", flow.user.email, "signin")
    body["continuation_token"] = call.token(flow, "E6.oob", "E5")
    return body


def introspect(call: Call) -> dict[str, Any]:
    """E7: list the user's registered strong methods (GUID ids, masked hints) after `mfa_required`."""
    call.client()
    flow = call.take("E7")
    assert flow.user is not None
    methods = [
        {"id": m.id, "challenge_type": "oob", "challenge_channel": m.channel, "login_hint": mask(m.channel, m.target)}
        for m in flow.user.methods
    ]
    return {"continuation_token": call.token(flow, "E5.mfa"), "methods": methods}
