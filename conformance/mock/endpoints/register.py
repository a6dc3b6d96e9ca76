"""Strong-method registration: E8 `registerIntrospect`, E9 `registerChallenge`, E10 `registerContinue` (§5)."""

from __future__ import annotations

import uuid
from typing import Any

from conformance.contract.vocabulary import terms, usage
from conformance.mock.endpoints.base import Call
from conformance.mock.state import MfaMethod


def introspect(call: Call) -> dict[str, Any]:
    """E8: the methods the user may register, one per channel (the `email` one hinting the account's address)."""
    call.client()
    flow = call.take("E8")
    assert flow.user is not None
    methods: list[dict[str, str]] = []
    for channel in terms("channels").names():
        methods.append({"id": channel, "challenge_type": "oob", "challenge_channel": channel})
        if channel == "email":
            methods[-1]["login_hint"] = flow.user.email
    return {"continuation_token": call.token(flow, "E9"), "methods": methods}


def challenge(call: Call) -> dict[str, Any]:
    """E9: send a code to the new method, or answer `preverified` for the email verified earlier in this flow."""
    call.client()
    challenge_type = (call.param("challenge_type") or "").split()
    target = (call.param("challenge_target") or "").strip()
    default_channel = "sms" if target.startswith("+") else "email"
    channel = (call.param("challenge_channel", required=False) or default_channel).strip()
    lenient = call.state.deviating("lenient_registration_challenge_type") and "oob" in challenge_type
    registering = usage().step("E9")  # with or without `redirect` (ERR-73)
    if sorted(challenge_type) not in (sorted(registering), sorted({*registering, usage().always})) and not lenient:
        raise call.fail("unknown_challenge_type", detail="challenge_type must be 'oob'.")
    if channel not in terms("channels"):
        raise call.fail("invalid_parameter", detail=f"Unsupported challenge_channel '{channel[:40]}'.")
    destination = terms("channels")[channel].destination
    if destination is None or not destination.match(target):
        raise call.fail("invalid_parameter", detail=f"challenge_target is not a valid {channel} target.")
    flow = call.take("E9")
    if channel == "sms":
        if target in call.tenant.sms_blocked_numbers:
            raise call.fail("sms_number_blocked", detail="The phone number is blocked.")
        if any(target.startswith(prefix) for prefix in call.tenant.sms_blocked_regions):
            raise call.fail("sms_region_blocked", detail="The phone region is blocked.")
    target_key = target.lower() if channel == "email" else target
    flow.pending_method = (channel, target_key)
    if channel == "email" and flow.verified_email == target_key:
        return {"continuation_token": call.token(flow, "E10.continuation_token"), "challenge_type": "preverified"}
    body = call.send_otp(flow, channel, target_key, "register")
    del body["challenge_target_label"]
    body["challenge_target"] = target
    body["continuation_token"] = call.token(flow, "E10.oob", "E9")
    return body


def continue_(call: Call) -> dict[str, Any]:
    """E10: prove the new method with the OTP (`oob`) or confirm a preverified one (`continuation_token`)."""
    call.client()
    grant_type = (call.param("grant_type") or "").strip()
    if grant_type not in ("oob", "continuation_token"):
        raise call.wrong_grant(grant_type)
    if grant_type == "oob":
        flow, _ = call.take_with_code("E10.oob")
    else:
        flow = call.take("E10.continuation_token")
    assert flow.user is not None and flow.pending_method is not None
    channel, target = flow.pending_method
    if not any(m.channel == channel and m.target == target for m in flow.user.methods):
        flow.user.methods.append(MfaMethod(str(uuid.uuid4()), channel, target))
    flow.pending_method, flow.strong_auth_done = None, True
    return {"continuation_token": call.token(flow, "E6.continuation_token")}
