"""Target profiles: the types (`model`), their TOML loader (`loader`) and the embedded mock's profile (`mocked`)."""

from conformance.profile.loader import ProfileTable, load_profile
from conformance.profile.mocked import MOCK_SMS_NUMBER, mock_profile
from conformance.profile.model import (
    Application,
    Attribute,
    CommandOtp,
    ExistingUser,
    ImapOtp,
    Limits,
    OtpConfig,
    OutboxOtp,
    Pacing,
    ProfileError,
    Secret,
    Signup,
    TargetProfile,
    UserFlow,
)

__all__ = [
    "MOCK_SMS_NUMBER",
    "Application",
    "Attribute",
    "CommandOtp",
    "ExistingUser",
    "ImapOtp",
    "Limits",
    "OtpConfig",
    "OutboxOtp",
    "Pacing",
    "ProfileError",
    "ProfileTable",
    "Secret",
    "Signup",
    "TargetProfile",
    "UserFlow",
    "load_profile",
    "mock_profile",
]
