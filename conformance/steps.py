"""Flow steps that read like the docs: one method per documented request (api-reference.md §3–§6)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from conformance.client import ApiResponse, NativeAuthClient
from conformance.contract.vocabulary import usage

Attributes = Mapping[str, str] | str


def json_attributes(value: Attributes | None) -> str | None:
    """The documented wire form of `attributes`: a JSON object serialized into one form field."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(dict(value))


def _spaced(value: str | list[str] | None) -> str | None:
    return " ".join(value) if isinstance(value, list) else value


def _advertised(flow: str, challenge_type: str | None) -> str:
    """`challenge_type`, else what an e-mail + password client advertises in `flow` (§7.2 usage matrix)."""
    return challenge_type or usage().advertised(flow, "email_password")


class NativeAuthSteps:
    """Each method sends one documented request of the native authentication API for one application. A
    `challenge_type` a call leaves out is what an e-mail + password client advertises in the flow (§7.2 usage
    matrix), at E9 the step's own list."""

    def __init__(self, client: NativeAuthClient, client_id: str, request_id: str | None = None) -> None:
        self.client = client
        self.client_id = client_id
        self.request_id = request_id  # the `client-request-id` to send (None: a fresh one per request)

    def with_request_id(self, request_id: str | None) -> NativeAuthSteps:
        """The same steps sending this `client-request-id` (e.g. one a mock's clock was moved for)."""
        return NativeAuthSteps(self.client, self.client_id, request_id)

    def _send(self, operation: str, **form: str | None) -> ApiResponse:
        return self.client.send(operation, {"client_id": self.client_id, **form}, client_request_id=self.request_id)

    # Sign-up (E1–E3)
    def signup_start(
        self,
        username: str,
        *,
        challenge_type: str | None = None,
        password: str | None = None,
        attributes: Attributes | None = None,
        capabilities: str | list[str] | None = None,
    ) -> ApiResponse:
        """E1: start a sign-up for `username`."""
        return self._send(
            "signupStart",
            username=username,
            challenge_type=_advertised("signup", challenge_type),
            password=password,
            attributes=json_attributes(attributes),
            capabilities=_spaced(capabilities),
        )

    def signup_challenge(
        self,
        token: str,
        *,
        challenge_type: str | None = None,
    ) -> ApiResponse:
        """E2: ask which credential the sign-up needs (sends the OTP)."""
        challenge_type = _advertised("signup", challenge_type)
        return self._send("signupChallenge", continuation_token=token, challenge_type=challenge_type)

    def signup_continue(
        self,
        token: str,
        grant_type: str,
        *,
        oob: str | None = None,
        password: str | None = None,
        attributes: Attributes | None = None,
    ) -> ApiResponse:
        """E3: submit the OTP (`oob`), the password (`password`) or the attributes (`attributes`)."""
        return self._send(
            "signupContinue",
            continuation_token=token,
            grant_type=grant_type,
            oob=oob,
            password=password,
            attributes=json_attributes(attributes),
        )

    # Sign-in and MFA (E4–E7)
    def signin_initiate(
        self,
        username: str,
        *,
        challenge_type: str | None = None,
        capabilities: str | list[str] | None = None,
    ) -> ApiResponse:
        """E4: start a sign-in for `username`."""
        return self._send(
            "signinInitiate",
            username=username,
            challenge_type=_advertised("signin", challenge_type),
            capabilities=_spaced(capabilities),
        )

    def signin_challenge(
        self,
        token: str,
        *,
        challenge_type: str | None = None,
        id: str | None = None,
    ) -> ApiResponse:
        """E5: ask for the first factor, or (with `id`) the second factor of a registered method."""
        return self._send(
            "signinChallenge",
            continuation_token=token,
            challenge_type=_advertised("signin", challenge_type),
            id=id,
        )

    def token(
        self,
        token: str,
        grant_type: str,
        *,
        scope: str | list[str] | None = "openid offline_access",
        password: str | None = None,
        oob: str | None = None,
        username: str | None = None,
    ) -> ApiResponse:
        """E6: exchange a continuation token and a credential for security tokens."""
        return self._send(
            "token",
            continuation_token=token,
            grant_type=grant_type,
            scope=_spaced(scope),
            password=password,
            oob=oob,
            username=username,
        )

    def refresh(
        self,
        refresh_token: str,
        *,
        scope: str | list[str] | None = "openid offline_access",
    ) -> ApiResponse:
        """E6 with `grant_type=refresh_token` (documented only by the generic OAuth refresh section)."""
        return self._send(
            "token",
            grant_type="refresh_token",
            refresh_token=refresh_token,
            scope=_spaced(scope),
        )

    def signin_introspect(self, token: str) -> ApiResponse:
        """E7: list the user's registered strong authentication methods."""
        return self._send("signinIntrospect", continuation_token=token)

    # Strong authentication method registration (E8–E10)
    def register_introspect(self, token: str) -> ApiResponse:
        """E8: list the methods the user may register."""
        return self._send("registerIntrospect", continuation_token=token)

    def register_challenge(
        self,
        token: str,
        challenge_target: str,
        *,
        challenge_channel: str | None = "email",
        challenge_type: str | None = None,
    ) -> ApiResponse:
        """E9: send a code to the method being registered (or learn it is `preverified`)."""
        return self._send(
            "registerChallenge",
            continuation_token=token,
            challenge_type=challenge_type or " ".join(usage().step("E9")),
            challenge_target=challenge_target,
            challenge_channel=challenge_channel,
        )

    def register_continue(
        self,
        token: str,
        grant_type: str = "oob",
        *,
        oob: str | None = None,
    ) -> ApiResponse:
        """E10: prove the method with its code (`oob`) or confirm a preverified one (`continuation_token`)."""
        return self._send(
            "registerContinue",
            continuation_token=token,
            grant_type=grant_type,
            oob=oob,
        )

    # Self-service password reset (E11–E15)
    def sspr_start(
        self,
        username: str,
        *,
        challenge_type: str | None = None,
        capabilities: str | list[str] | None = None,
    ) -> ApiResponse:
        """E11: start a password reset for `username`."""
        return self._send(
            "ssprStart",
            username=username,
            challenge_type=_advertised("sspr", challenge_type),
            capabilities=_spaced(capabilities),
        )

    def sspr_challenge(
        self,
        token: str,
        *,
        challenge_type: str | None = None,
    ) -> ApiResponse:
        """E12: send the reset code."""
        challenge_type = _advertised("sspr", challenge_type)
        return self._send("ssprChallenge", continuation_token=token, challenge_type=challenge_type)

    def sspr_continue(self, token: str, oob: str, *, grant_type: str = "oob") -> ApiResponse:
        """E13: submit the reset code."""
        return self._send("ssprContinue", continuation_token=token, grant_type=grant_type, oob=oob)

    def sspr_submit(self, token: str, new_password: str) -> ApiResponse:
        """E14: submit the new password."""
        return self._send("ssprSubmit", continuation_token=token, new_password=new_password)

    def sspr_poll_completion(self, token: str) -> ApiResponse:
        """E15: ask whether the reset has completed."""
        return self._send("ssprPollCompletion", continuation_token=token)
