"""OTPs printed by a command: `argv + [address]` prints the newest code sent to the address (nothing when none).

Exit status 0 means "read"; any other status is a failure of the command itself and stops the fetch, as does output
that is not UTF-8 text (the command's contract: the code printed as UTF-8).
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

from conformance.otp.base import OtpError, OtpTimeout, describe, find_code, poll
from conformance.redaction import remember
from conformance.target import CommandOtp


@dataclass(frozen=True)
class CommandMark:
    """What the command printed right before the challenge (its newest code then, if any)."""

    output: str


class CommandSource:
    """Runs the profile's command until it prints a code other than the one it printed at mark time."""

    def __init__(self, config: CommandOtp) -> None:
        self.config = config
        self.argv = [sys.executable if arg == "{python}" else arg for arg in config.argv]
        self.label = f"command {' '.join(config.argv)}"

    def run(self, address: str, *, deadline: float, limit: float) -> str:
        """Run the command once for `address` (killed at `deadline`, a monotonic time) and return its stdout."""
        try:
            done = subprocess.run(
                [*self.argv, address], capture_output=True, check=False, timeout=max(deadline - time.monotonic(), 0.1)
            )
        except subprocess.TimeoutExpired:
            raise OtpTimeout(f"no OTP for {address} from {self.label} within {limit:g} s (still running)") from None
        except OSError as exc:
            raise OtpError(f"{self.label}: cannot run: {describe(exc)}") from None
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["(no output on stderr)"]
            raise OtpError(f"{self.label} failed for {address} (exit status {done.returncode}): {lines[-1].strip()}")
        try:
            return done.stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = done.stdout[exc.start]
            raise OtpError(
                f"{self.label} printed output that is not UTF-8 for {address} (byte 0x{bad:02x} at offset {exc.start})"
            ) from None

    def mark(self, address: str) -> CommandMark:
        """Run the command once to learn the code it prints before the challenge."""
        limit = self.config.timeout_s
        return CommandMark(self.run(address, deadline=time.monotonic() + limit, limit=limit))

    def fetch(self, address: str, *, after: object, code_length: int, timeout: float | None = None) -> str:
        """Re-run the command until its first `code_length`-digit run differs from the one at mark time."""
        if not isinstance(after, CommandMark):
            raise TypeError(f"expected a CommandMark from this source's mark(), got {after!r}")
        limit = self.config.timeout_s if timeout is None else timeout
        previous = find_code(after.output, code_length)
        if previous:
            remember(previous)  # the code the command printed before the challenge is as secret as the next one
        deadline = time.monotonic() + limit

        def attempt() -> str | None:
            code = find_code(self.run(address, deadline=deadline, limit=limit), code_length)
            return code if code != previous else None

        return poll(attempt, label=self.label, address=address, timeout=limit, interval=self.config.poll_interval_s)
