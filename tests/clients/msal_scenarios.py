"""The flows a user goes through with MSAL JS custom auth, each asserting what MSAL returns.

Every scenario takes the page's `Msal` and the `MockTenant` and fails with an AssertionError naming what MSAL returned
(result class, state type, error class, API error, suberror and the error kinds that hold). test_msal.py runs each one;
test_msal_deviations.py runs the one a mock deviation breaks and shows it failing. Users are new in every scenario
(created through the control API or signed up), so scenarios share nothing but the applications.
"""

from __future__ import annotations

from typing import Any

from msal_support import MockTenant, Msal, Step

PASSWORD = "Msal-Pass-2026!"
NEW_PASSWORD = "Msal-Reset-2027!"
WRONG_PASSWORD = "Msal-Wrong-2026!"
RESOURCE_SCOPES = ["openid", "offline_access", "api://contoso-tasks/Tasks.Read"]
MFA_APP, PASSWORD_APP, OTP_APP = "password-mfa", "password-basic", "otp"


def expect(step: Step, state: str) -> Step:
    """The step ended in `state`; else an AssertionError saying what MSAL returned."""
    if not isinstance(step.raw, dict) or step.raw.get("state") != state:
        raise AssertionError(f"expected {state}, MSAL returned {step!r}")
    return step


def expect_error(step: Step, state: str, error_type: str, kind: str) -> dict[str, Any]:
    """The step failed into `state` with the MSAL error class `error_type`, whose documented check `kind` holds."""
    expect(step, state)
    error = step.error
    assert error is not None, f"{state} without an error: {step!r}"
    assert error["type"] == error_type, f"expected a {error_type}, MSAL returned {step!r}"
    assert kind in error["kinds"], f"expected {error_type}.{kind}() to hold, MSAL returned {step!r}"
    return error


def signed_in(step: Step, tenant: MockTenant, app: str, address: str) -> dict[str, Any]:
    """MSAL's account after sign-in: the user's, built from `client_info` (home account id `uid.utid`) and a valid
    id_token for the app (JWKS signature, audience, the same user)."""
    data = step.data
    assert data is not None and data.get("account"), f"no account data: {step!r}"
    account, claims = data["account"], tenant.id_token_claims(data["idToken"], tenant.apps[app])
    assert account["username"] == address
    assert claims["preferred_username"] == address
    assert account["tenantId"] == claims["tid"] == tenant.config.tenant_id
    assert account["localAccountId"] == claims["oid"]
    assert account["homeAccountId"] == f"{claims['oid']}.{claims['tid']}"
    return data


def _other_code(code: str) -> str:
    """A code of the same length that is not `code`."""
    return str((int(code) + 1) % 10 ** len(code)).zfill(len(code))


def sign_up_with_otp(msal: Msal, tenant: MockTenant) -> None:
    """Email-OTP sign-up with attributes at start: code required, code accepted, then signed in."""
    address = tenant.new_address()
    started = msal.call(OTP_APP, "signUp", {"username": address, "attributes": {"displayName": "Ada Lovelace"}})
    expect(started, "SignUpCodeRequiredState")
    assert msal.call(started.handle, "getCodeLength").raw == tenant.config.otp_length
    done = expect(msal.call(started.handle, "submitCode", tenant.code(address)), "SignUpCompletedState")
    account = signed_in(expect(msal.call(done.handle, "signIn"), "SignInCompletedState"), tenant, OTP_APP, address)
    assert account["account"]["name"] == "Ada Lovelace"


def sign_up_with_password_then_attributes(msal: Msal, tenant: MockTenant) -> None:
    """Password sign-up without attributes: after the code MSAL asks for the required ones, then signs in."""
    address = tenant.new_address()
    started = expect(msal.call(PASSWORD_APP, "signUp", {"username": address, "password": PASSWORD}),
                     "SignUpCodeRequiredState")
    asked = expect(msal.call(started.handle, "submitCode", tenant.code(address)), "SignUpAttributesRequiredState")
    required = msal.call(asked.handle, "getRequiredAttributes").raw
    assert [attribute["name"] for attribute in required] == ["postalCode"], required
    done = expect(msal.call(asked.handle, "submitAttributes", {"postalCode": "98052"}), "SignUpCompletedState")
    signed_in(expect(msal.call(done.handle, "signIn"), "SignInCompletedState"), tenant, PASSWORD_APP, address)


def sign_in_with_otp(msal: Msal, tenant: MockTenant) -> None:
    """Email-OTP sign-in: code required, then signed in."""
    address = tenant.add_user(displayName="Otto Ode")
    started = expect(msal.call(OTP_APP, "signIn", {"username": address}), "SignInCodeRequiredState")
    done = expect(msal.call(started.handle, "submitCode", tenant.code(address)), "SignInCompletedState")
    signed_in(done, tenant, OTP_APP, address)


def sign_in_with_password(msal: Msal, tenant: MockTenant) -> None:
    """Password sign-in for a resource scope: signed in at once; the access token for that scope comes from the
    cache, signed by the tenant."""
    address = tenant.add_user(password=PASSWORD)
    done = msal.call(PASSWORD_APP, "signIn", {"username": address, "password": PASSWORD, "scopes": RESOURCE_SCOPES})
    account = signed_in(expect(done, "SignInCompletedState"), tenant, PASSWORD_APP, address)
    token = expect(msal.call(account["handle"], "getAccessToken", {"forceRefresh": False, "scopes": RESOURCE_SCOPES}),
                   "GetAccessTokenCompletedState").data
    assert token is not None and token["fromCache"] is True and token["tokenType"] == "Bearer"
    assert "api://contoso-tasks/Tasks.Read" in token["scopes"]
    assert tenant.access_token_claims(token["accessToken"])["scp"] == "Tasks.Read"


def password_reset_then_auto_sign_in(msal: Msal, tenant: MockTenant) -> None:
    """Password reset: code, new password (MSAL polls until the reset succeeded), automatic sign-in; afterwards the
    new password signs in and the old one is refused."""
    address = tenant.add_user(password=PASSWORD)
    started = expect(msal.call(PASSWORD_APP, "resetPassword", {"username": address}), "ResetPasswordCodeRequiredState")
    verified = expect(msal.call(started.handle, "submitCode", tenant.code(address)),
                      "ResetPasswordPasswordRequiredState")
    reset = expect(msal.call(verified.handle, "submitNewPassword", NEW_PASSWORD), "ResetPasswordCompletedState")
    signed_in(expect(msal.call(reset.handle, "signIn"), "SignInCompletedState"), tenant, PASSWORD_APP, address)
    msal.sign_out_all()
    old = msal.call(PASSWORD_APP, "signIn", {"username": address, "password": PASSWORD})
    expect_error(old, "SignInFailedState", "SignInError", "isPasswordIncorrect")
    new = msal.call(PASSWORD_APP, "signIn", {"username": address, "password": NEW_PASSWORD})
    signed_in(expect(new, "SignInCompletedState"), tenant, PASSWORD_APP, address)


def mfa_on_sign_in(msal: Msal, tenant: MockTenant) -> None:
    """Password sign-in where MFA applies: MSAL lists the user's strong method (masked), sends the second-factor
    code to it and signs in with that code."""
    second = tenant.new_address()
    address = tenant.add_user(password=PASSWORD, mfa_email=second)
    awaiting = expect(msal.call(MFA_APP, "signIn", {"username": address, "password": PASSWORD}), "MfaAwaitingState")
    methods = msal.call(awaiting.handle, "getAuthMethods").raw
    assert [method["challenge_channel"] for method in methods] == ["email"], methods
    assert methods[0]["login_hint"] != second and "*" in methods[0]["login_hint"], methods
    challenged = expect(msal.call(awaiting.handle, "requestChallenge", methods[0]["id"]),
                        "MfaVerificationRequiredState")
    assert msal.call(challenged.handle, "getChannel").raw == "email"
    assert msal.call(challenged.handle, "getCodeLength").raw == tenant.config.otp_length
    done = expect(msal.call(challenged.handle, "submitChallenge", tenant.code(second)), "MfaCompletedState")
    signed_in(done, tenant, MFA_APP, address)


def strong_method_registration(msal: Msal, tenant: MockTenant) -> None:
    """Password sign-in where MFA applies and the user has no strong method: MSAL registers an email method with a
    code sent there and signs in; the next sign-in asks for MFA with that method."""
    address = tenant.add_user(password=PASSWORD)
    required = msal.call(MFA_APP, "signIn", {"username": address, "password": PASSWORD})
    expect(required, "AuthMethodRegistrationRequiredState")
    methods = msal.call(required.handle, "getAuthMethods").raw
    email = next((method for method in methods if method["challenge_channel"] == "email"), None)
    assert email is not None, methods
    contact = tenant.new_address()
    details = {"authMethodType": email, "verificationContact": contact}
    challenged = msal.call(required.handle, "challengeAuthMethod", details)
    expect(challenged, "AuthMethodVerificationRequiredState")
    assert msal.call(challenged.handle, "getChannel").raw == "email"
    done = msal.call(challenged.handle, "submitChallenge", tenant.code(contact))
    signed_in(expect(done, "AuthMethodRegistrationCompletedState"), tenant, MFA_APP, address)
    msal.sign_out_all()
    again = expect(msal.call(MFA_APP, "signIn", {"username": address, "password": PASSWORD}), "MfaAwaitingState")
    assert [m["challenge_channel"] for m in msal.call(again.handle, "getAuthMethods").raw] == ["email"]


def sign_out_and_current_account(msal: Msal, tenant: MockTenant) -> None:
    """No account before sign-in; the signed-in account afterwards, whose refresh token renews the access token over
    the network; none after sign-out, and a second sign-out says the user is not signed in."""
    before = msal.call(PASSWORD_APP, "getCurrentAccount")
    expect_error(before, "GetAccountFailedState", "GetAccountError", "isCurrentAccountNotFound")
    address = tenant.add_user(password=PASSWORD)
    done = msal.call(PASSWORD_APP, "signIn", {"username": address, "password": PASSWORD})
    first = signed_in(expect(done, "SignInCompletedState"), tenant, PASSWORD_APP, address)
    current = expect(msal.call(PASSWORD_APP, "getCurrentAccount"), "GetAccountCompletedState").data
    assert current is not None and current["account"] == first["account"]
    cached = msal.call(current["handle"], "getAccessToken", {"forceRefresh": False})
    renewed = msal.call(current["handle"], "getAccessToken", {"forceRefresh": True})
    cached_token = expect(cached, "GetAccessTokenCompletedState").data
    renewed_token = expect(renewed, "GetAccessTokenCompletedState").data
    assert cached_token is not None and renewed_token is not None
    assert cached_token["fromCache"] is True and renewed_token["fromCache"] is False
    assert renewed_token["accessToken"] != cached_token["accessToken"]
    assert renewed_token["account"]["homeAccountId"] == first["account"]["homeAccountId"]
    expect(msal.call(current["handle"], "signOut"), "SignOutCompletedState")
    after = msal.call(PASSWORD_APP, "getCurrentAccount")
    expect_error(after, "GetAccountFailedState", "GetAccountError", "isCurrentAccountNotFound")
    again = msal.call(current["handle"], "signOut")
    expect_error(again, "SignOutFailedState", "SignOutError", "isUserNotSignedIn")


def wrong_code(msal: Msal, tenant: MockTenant) -> None:
    """A wrong sign-up code is an invalid code (`invalid_grant` / `invalid_oob_value`); the right one still works."""
    address = tenant.new_address()
    started = msal.call(OTP_APP, "signUp", {"username": address, "attributes": {"displayName": "Wen Wrong"}})
    expect(started, "SignUpCodeRequiredState")
    code = tenant.code(address)
    error = expect_error(msal.call(started.handle, "submitCode", _other_code(code)), "SignUpFailedState",
                         "SignUpSubmitCodeError", "isInvalidCode")
    assert (error["error"], error["suberror"]) == ("invalid_grant", "invalid_oob_value"), error
    expect(msal.call(started.handle, "submitCode", code), "SignUpCompletedState")


def wrong_password(msal: Msal, tenant: MockTenant) -> None:
    """A wrong password is an incorrect password (`invalid_grant` with AADSTS50126)."""
    address = tenant.add_user(password=PASSWORD)
    failed = msal.call(PASSWORD_APP, "signIn", {"username": address, "password": WRONG_PASSWORD})
    error = expect_error(failed, "SignInFailedState", "SignInError", "isPasswordIncorrect")
    assert error["error"] == "invalid_grant" and 50126 in error["codes"], error


def user_already_exists(msal: Msal, tenant: MockTenant) -> None:
    """Signing up an existing user is refused as `user_already_exists`."""
    address = tenant.add_user(password=PASSWORD)
    failed = msal.call(PASSWORD_APP, "signUp", {"username": address, "password": NEW_PASSWORD})
    expect_error(failed, "SignUpFailedState", "SignUpError", "isUserAlreadyExists")


def user_not_found(msal: Msal, tenant: MockTenant) -> None:
    """Signing in, or resetting the password of, an unknown user is refused as `user_not_found`."""
    failed = msal.call(PASSWORD_APP, "signIn", {"username": tenant.new_address(), "password": PASSWORD})
    expect_error(failed, "SignInFailedState", "SignInError", "isUserNotFound")
    reset = msal.call(PASSWORD_APP, "resetPassword", {"username": tenant.new_address()})
    expect_error(reset, "ResetPasswordFailedState", "ResetPasswordError", "isUserNotFound")
