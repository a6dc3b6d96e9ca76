"""The profile of the embedded mock: what the suite must know of the bundled default tenant."""

from __future__ import annotations

from typing import Any

from conformance.profile.model import (
    Application,
    Attribute,
    ExistingUser,
    Limits,
    OutboxOtp,
    Pacing,
    ProfileError,
    Secret,
    Signup,
    TargetProfile,
    UserFlow,
)

#: Any number outside the mock's blocked regions and numbers: the mock writes every SMS it "sends" to its outbox.
MOCK_SMS_NUMBER = "+14255550123"


def mock_profile(base_url: str, control_url: str) -> TargetProfile:
    """The profile of the embedded mock's bundled default tenant (`conformance/mock/default_tenant.toml`)."""
    from conformance.mock.config import TenantConfigError, load_tenant

    try:
        mock = load_tenant()
    except TenantConfigError as exc:
        raise ProfileError(str(exc)) from None
    apps = [app for app in mock.applications if app.public and app.native_auth]
    if not apps:
        raise ProfileError("default_tenant.toml: applications: no public client with native authentication enabled")
    tenants = [_mock_tenant(mock, app) for app in apps]
    return TargetProfile(
        name="mock",
        base_url=base_url.rstrip("/"),
        client_id=apps[0].client_id,
        second_client_id=apps[1].client_id if len(apps) > 1 else None,
        confidential_client_id=next((app.client_id for app in mock.applications if not app.public), None),
        disabled_client_id=next((app.client_id for app in mock.applications if not app.native_auth), None),
        tenant=tenants[0],
        applications=tuple(
            Application(app.name, app.client_id, t) for app, t in zip(apps[1:], tenants[1:], strict=True)
        ),
        users=tuple(
            ExistingUser(
                email=user.email,
                auth_method="email_password" if user.password else "email_otp",
                password=Secret.literal(f"mock:{user.email}", user.password) if user.password else None,
                mfa_methods=tuple(method.channel for method in user.mfa_methods),
                interaction_required=user.interaction_required,
            )
            for user in mock.users
        ),
        signup=Signup("qa+{id}@example.com"),
        otp=OutboxOtp(control_url=control_url.rstrip("/"), timeout_s=5.0, poll_interval_s=0.02),
        pacing=Pacing(requests_per_second=0.0, max_retries=3, max_retry_after_s=5.0),
        limits=Limits(
            continuation_token_lifetime_s=mock.lifetimes.continuation_token,
            otp_lifetime_s=mock.lifetimes.otp,
            refresh_token_lifetime_s=mock.lifetimes.refresh_token,
        ),
        control_url=control_url.rstrip("/"),
    )


def _mock_tenant(mock: Any, app: Any) -> UserFlow:
    """What the suite must know of the user flow a mock application is linked to."""
    flow = mock.flow_of(app)
    policy = flow.password_policy
    return UserFlow(
        auth_method="email_password" if flow.uses_password else "email_otp",
        sspr=flow.sspr,
        mfa=flow.mfa,
        otp_length=mock.otp_length,
        attributes=tuple(
            Attribute(a.name, a.type, a.required, a.regex, a.options, a.input_type) for a in flow.attributes
        ),
        banned_passwords=tuple(
            f"{word.capitalize()}-2026!".ljust(policy.min_length, "q") for word in policy.banned_words
        )
        if flow.uses_password
        else (),
        sms_blocked_by_admin=next((f"{prefix}9161234567"[:16] for prefix in mock.sms_blocked_regions), None),
        sms_blocked_by_rep=next(iter(mock.sms_blocked_numbers), None),
        sms_number=MOCK_SMS_NUMBER,
    )
