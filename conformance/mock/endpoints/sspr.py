"""Self-service password reset: E11 start, E12 challenge, E13 continue, E14 submit, E15 poll_completion (§6)."""

from __future__ import annotations

from typing import Any

from conformance.contract.vocabulary import usage
from conformance.mock.endpoints.base import Call
from conformance.mock.envelope import Redirect
from conformance.mock.state import Flow
from conformance.mock.validation import password_problem

MAX_RESET_TOKEN_LIFETIME = 600  # S1: E13 `expires_in` is at most 600 seconds


def _closed_list(call: Call, challenge_types: frozenset[str] | None) -> None:
    """The `sspr_closed_challenge_types` deviation: refuse a `password` the reset does not use (ERR-72's other
    reading)."""
    if challenge_types and "password" in challenge_types and call.state.deviating("sspr_closed_challenge_types"):
        raise call.fail("unknown_challenge_type", detail="Unsupported challenge type 'password'.")


def start(call: Call) -> dict[str, Any]:
    """E11: open a reset flow for an existing email+password user (`password` in the list is ignored, ERR-72)."""
    app = call.client()
    challenge_types = call.challenge_types(app, required=True)
    assert challenge_types is not None
    _closed_list(call, challenge_types)
    username = (call.param("username") or "").strip()
    capabilities = call.capabilities()
    user_flow = call.user_flow(app)
    if not (user_flow.uses_password and user_flow.sspr):
        raise call.fail("method_not_enabled", detail="Self-service password reset is not enabled for this application.")
    user = call.state.user(username)
    if user is None:
        raise call.fail("unknown_user", detail="The user account does not exist in the directory.")
    if user.password is None or not usage().needed("sspr", user_flow.authentication_method) <= challenge_types:
        raise Redirect()
    flow = Flow("sspr", app, user.email, challenge_types, capabilities, user=user)
    return {"continuation_token": call.token(flow, "E12")}


def challenge(call: Call) -> dict[str, Any]:
    """E12: email the reset OTP (to the strong-auth email when the user has one, S1)."""
    app = call.client()
    requested = call.challenge_types(app, required=False)
    _closed_list(call, requested)
    flow = call.take("E12")
    assert flow.user is not None
    if not usage().needed("sspr", call.user_flow(app).authentication_method) <= (requested or flow.challenge_types):
        raise Redirect()
    strong_email = next((m.target for m in flow.user.methods if m.channel == "email"), None)
    body = call.send_otp(flow, "email", strong_email or flow.user.email, "sspr")
    body["continuation_token"] = call.token(flow, "E13", "E12")
    return body


def continue_(call: Call) -> dict[str, Any]:
    """E13: verify the OTP; the next token lives at most 600 s (`expires_in`)."""
    call.client()
    grant_type = (call.param("grant_type") or "").strip()
    if grant_type != "oob":
        raise call.wrong_grant(grant_type)
    flow, otp = call.take_with_code("E13")
    flow.verified_email = otp.target.lower()
    lifetime = min(call.tenant.lifetimes.continuation_token, MAX_RESET_TOKEN_LIFETIME)
    expires_in = 3600 if call.state.deviating("sspr_expires_in_too_long") else lifetime
    return {"continuation_token": call.token(flow, "E14", lifetime=lifetime), "expires_in": expires_in}


def submit(call: Call) -> dict[str, Any]:
    """E14: accept the new password under the policy (incl. history) and start the asynchronous reset."""
    app = call.client()
    password = call.param("new_password")
    flow = call.take("E14")
    assert flow.user is not None and password is not None
    recent = [*flow.user.password_history, *([flow.user.password] if flow.user.password else [])]
    problem = password_problem(call.user_flow(app).password_policy, password, recent)
    if problem:
        raise call.fail(problem)
    flow.new_password, flow.submitted_at, flow.polls = password, call.now, 0
    return {"continuation_token": call.token(flow, "E15"), "poll_interval": call.tenant.lifetimes.poll_interval}


def poll_completion(call: Call) -> dict[str, Any]:
    """E15: `in_progress` on the first poll and until `poll_interval` has passed, then `succeeded` (password set).

    E14's token stays usable until that terminal answer, which spends it and hands out the sign-in token; a
    non-terminal answer carries no token (R-SSPR-POLL-REPOLL, ERR-71: the client libraries poll with E14's token).
    """
    call.client()
    early = call.state.deviating("poll_before_submit")
    flow = call.take("E15", "E14") if early else call.take("E15")
    assert flow.user is not None
    # done already (only a spent E14 token reused, accept_reused_token, gets here), or never submitted (the token
    # E13 handed out, poll_before_submit)
    if flow.new_password is None:
        return {"status": "succeeded", "continuation_token": call.token(flow, "E6.continuation_token")}
    flow.polls += 1
    if flow.polls == 1 or call.now - flow.submitted_at < call.tenant.lifetimes.poll_interval:
        if call.state.deviating("poll_token_spent"):
            return {"status": "in_progress", "continuation_token": call.token(flow, "E15")}
        return {"status": "in_progress"}
    user = flow.user
    if user.password:
        user.password_history.append(user.password)
    user.password, flow.new_password = flow.new_password, None
    flow.stage = "reset"
    return {"status": "succeeded", "continuation_token": call.token(flow, "E6.continuation_token")}
