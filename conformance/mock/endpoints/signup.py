"""Sign-up: E1 `signupStart`, E2 `signupChallenge`, E3 `signupContinue` (api-reference.md §3)."""

from __future__ import annotations

from typing import Any

from conformance.contract import openapi
from conformance.contract.vocabulary import pattern, usage
from conformance.mock.config import UserFlowConfig
from conformance.mock.endpoints.base import Call
from conformance.mock.envelope import Crash, Redirect
from conformance.mock.state import Flow, User
from conformance.mock.validation import (
    AttributesMalformed,
    check_attributes,
    descriptor,
    parse_attributes,
    password_problem,
)

#: E3's step tables by `grant_type` (E3a oob, E3b password, E3c attributes), as the request schema tags them.
_STEP_TABLES = {grant: tag for tag, grant in openapi.operation("signupContinue").steps}


def _attributes(call: Call, flow: UserFlowConfig, raw: str | None, *, required_only: bool = False) -> dict[str, str]:
    """Parse and validate `attributes`: bad JSON is `invalid_request`, a failing value `attribute_validation_failed`."""
    if raw is None:
        return {}
    try:
        values = parse_attributes(raw)
    except AttributesMalformed as exc:
        if call.state.deviating("server_error_on_bad_attributes"):
            raise Crash("deviation server_error_on_bad_attributes") from None
        if call.state.deviating("bad_attributes_ignored"):
            return {}
        raise call.fail("invalid_parameter", detail=str(exc)) from None
    checked = check_attributes(flow, values, required_only=required_only)
    if checked.invalid:
        raise call.fail("invalid_attribute", detail="Attribute validation failed.", invalid_attributes=checked.invalid)
    return checked.accepted


def _password(call: Call, flow: UserFlowConfig, password: str) -> None:
    """Refuse a password the policy rejects with the table's row for the condition it meets."""
    problem = password_problem(flow.password_policy, password)
    if problem:
        raise call.fail(problem)


def start(call: Call) -> dict[str, Any]:
    """E1: validate the request and open a sign-up flow."""
    app = call.client()
    challenge_types = call.challenge_types(app, required=True)
    assert challenge_types is not None
    username = (call.param("username") or "").strip()
    if not pattern("email").match(username):
        raise call.fail("invalid_parameter", detail="The username must be an email address.")
    capabilities = call.capabilities()
    user_flow = call.user_flow(app)
    password = call.param("password", required=False)
    if password is not None and not user_flow.uses_password:
        raise call.fail("invalid_parameter", detail="This user flow does not use passwords.")
    if call.state.user(username) is not None:
        raise call.fail("existing_user", detail="It looks like you may already have an account.")
    if not usage().needed("signup", user_flow.authentication_method) <= challenge_types:
        raise Redirect()
    if password is not None:
        _password(call, user_flow, password)
    attributes = _attributes(call, user_flow, call.form.get("attributes"))
    flow = Flow("signup", app, username.lower(), challenge_types, capabilities)
    flow.password, flow.attributes = password, attributes
    return {"continuation_token": call.token(flow, "E2")}


def challenge(call: Call) -> dict[str, Any]:
    """E2: send the email OTP, or ask for the password after `credential_required`."""
    app = call.client()
    requested = call.challenge_types(app, required=False)
    flow = call.take("E2")
    challenge_types = requested or flow.challenge_types
    if flow.stage == "credential":
        if "password" not in challenge_types:
            raise Redirect()
        return {"challenge_type": "password", "continuation_token": call.token(flow, "E3b")}
    if "oob" not in challenge_types:
        raise Redirect()
    body = call.send_otp(flow, "email", flow.username, "signup")
    body["interval"] = call.tenant.lifetimes.resend_interval
    body["continuation_token"] = call.token(flow, "E3a", "E2")
    return body


def _finish(call: Call, flow: Flow) -> dict[str, Any]:
    """Ask for missing required attributes, else create the account and hand out the auto-sign-in token."""
    user_flow = call.user_flow(flow.app)
    missing = [a for a in user_flow.attributes if a.required and a.name not in flow.attributes]
    if missing:
        raise call.fail(
            "attributes_missing",
            detail="User attributes required.",
            continuation_token=call.token(flow, "E3c"),
            required_attributes=[descriptor(a) for a in missing],
        )
    if call.state.user(flow.username) is not None:
        raise call.fail("existing_user", detail="An account with this username was created meanwhile.")
    user = User(flow.username, password=flow.password, attributes=dict(flow.attributes))
    call.state.add_user(user)
    flow.user, flow.password, flow.stage = user, None, "signed_up"
    return {"continuation_token": call.token(flow, "E6.continuation_token")}


def continue_(call: Call) -> dict[str, Any]:
    """E3: submit the OTP (E3a), the password (E3b) or attributes (E3c)."""
    grant_type = call.form.get("grant_type")
    if grant_type in _STEP_TABLES:
        call.table = _STEP_TABLES[grant_type]
    app = call.client()
    if grant_type not in _STEP_TABLES:
        call.param("grant_type")
        record = call.peek("E3a", "E3b", "E3c")
        steps = record.steps if record else frozenset({"E3a"})
        call.table = next(step for step in ("E3a", "E3c", "E3b") if step in steps)
        raise call.wrong_grant(grant_type)
    user_flow = call.user_flow(app)
    if grant_type == "oob":
        flow, otp = call.take_with_code("E3a", detail="Unable to validate the otp.")
        flow.verified_email = otp.target.lower()
        if user_flow.uses_password and flow.password is None:
            flow.stage = "credential"
            next_token = call.token(flow, "E2")
            raise call.fail("credential_missing", detail="Credential required.", continuation_token=next_token)
        return _finish(call, flow)
    if grant_type == "password":
        password = call.param("password")
        flow = call.take("E3b")
        assert password is not None
        _password(call, user_flow, password)
        flow.password = password
        return _finish(call, flow)
    raw = call.param("attributes")
    flow = call.take("E3c")
    flow.attributes.update(_attributes(call, user_flow, raw, required_only=flow.verified_email is not None))
    return _finish(call, flow)
