"""Print the newest OTP a mock tenant sent to an address (a `command` OTP source for a mock served over HTTP).

Usage: python -m conformance.otp.mock_outbox_cli --control-url URL ADDRESS
Prints nothing when no code has been sent yet; exits 1 with one line on stderr when the outbox cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from conformance.otp.base import OtpError
from conformance.otp.outbox import OutboxSource
from conformance.profile import OutboxOtp


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.otp.mock_outbox_cli", description="Print the newest OTP sent to ADDRESS."
    )
    parser.add_argument("--control-url", required=True, help="the mock's control API origin, e.g. http://127.0.0.1:8765")
    parser.add_argument("address", help="the address the code was sent to")
    args = parser.parse_args(argv)
    try:
        messages = OutboxSource(OutboxOtp(control_url=args.control_url.rstrip("/"))).messages(args.address)
    except OtpError as exc:
        print(exc, file=sys.stderr)
        return 1
    if messages:
        print(messages[-1]["code"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
