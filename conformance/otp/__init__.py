"""Where one-time passcodes are read: the mock's outbox, an IMAP mailbox, or a command (api-reference.md §7.5)."""

from __future__ import annotations

import httpx

from conformance.otp.base import OtpError, OtpSource, OtpTimeout, find_code
from conformance.otp.command import CommandSource
from conformance.otp.imap import ImapSource
from conformance.otp.outbox import OutboxSource
from conformance.profile import CommandOtp, ImapOtp, TargetProfile

__all__ = [
    "CommandSource", "ImapSource", "OtpError", "OtpSource", "OtpTimeout", "OutboxSource", "find_code",
    "otp_source_from_profile",
]


def otp_source_from_profile(profile: TargetProfile, *, http_client: httpx.Client | None = None) -> OtpSource:
    """The OTP source the profile's `[otp]` table describes; `http_client` is used by the outbox source only."""
    config = profile.otp
    if isinstance(config, ImapOtp):
        return ImapSource(config)
    if isinstance(config, CommandOtp):
        return CommandSource(config)
    return OutboxSource(config, http_client=http_client)
