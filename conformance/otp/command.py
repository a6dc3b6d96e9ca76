"""OTPs printed by a command: `argv + [address]` prints the newest code sent to the address.

The contract (README "The OTP command contract"): print nothing and exit 0 while no code has come. A command that exits
non-zero is taken to mean "not yet" too and re-run until the timeout, with a one-line hint on how to follow the
contract; one that has never succeeded and failed through a whole wait is not run again in this session.
Output that is not UTF-8 text stops the fetch (the contract: the code printed as UTF-8).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from dataclasses import dataclass

from conformance.otp.base import OtpError, OtpTimeout, describe, find_code, poll
from conformance.profile import CommandOtp
from conformance.redaction import remember

log = logging.getLogger("conformance.otp")
HINT = "an OTP command must print nothing and exit 0 while no code has come (README: the OTP command contract)"


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
        self.succeeded = False  # whether the command ever exited 0 in this session
        self.failure = ""  # how it last exited non-zero ("exit status 1: last stderr line")
        self.broken = ""  # set when it never succeeded and failed through a whole wait: later fetches fail at once

    def run(self, address: str, *, deadline: float, limit: float) -> str | None:
        """Run the command once for `address` (killed at `deadline`, a monotonic time): its stdout, or None when it
        exited non-zero (remembered in `failure`, said once in the log)."""
        if self.broken:
            raise OtpError(self.broken)
        try:
            done = subprocess.run(
                [*self.argv, address], capture_output=True, check=False, timeout=max(deadline - time.monotonic(), 0.1)
            )
        except subprocess.TimeoutExpired:
            raise OtpTimeout(f"no OTP for {address} from {self.label} within {limit:g} s (still running)") from None
        except OSError as exc:
            raise OtpError(f"{self.label}: cannot run: {describe(exc)}") from None
        if done.returncode == 0:
            self.succeeded = True
            try:
                return done.stdout.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = done.stdout[exc.start]
                raise OtpError(
                    f"{self.label} printed output that is not UTF-8 for {address} (byte 0x{bad:02x} at offset "
                    f"{exc.start})"
                ) from None
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["(no output on stderr)"]
        if not self.failure:
            log.warning("%s exited %d for %s: taken as 'no code yet' and re-run; %s",
                        self.label, done.returncode, address, HINT)
        self.failure = f"exit status {done.returncode}: {lines[-1].strip()}"
        return None

    def mark(self, address: str) -> CommandMark:
        """Run the command once to learn the code it prints before the challenge."""
        limit = self.config.timeout_s
        return CommandMark(self.run(address, deadline=time.monotonic() + limit, limit=limit) or "")

    def fetch(self, address: str, *, after: object, code_length: int, timeout: float | None = None) -> str:
        """Re-run the command until it prints a code other than the one at mark time (of any length: a code of
        another length than announced is the target's failure, not a timeout)."""
        if not isinstance(after, CommandMark):
            raise TypeError(f"expected a CommandMark from this source's mark(), got {after!r}")
        limit = self.config.timeout_s if timeout is None else timeout
        previous = find_code(after.output, code_length)
        if previous:
            remember(previous)  # the code the command printed before the challenge is as secret as the next one
        deadline = time.monotonic() + limit
        failed_throughout = True

        def attempt() -> str | None:
            nonlocal failed_throughout
            output = self.run(address, deadline=deadline, limit=limit)
            if output is None:
                return None
            failed_throughout = False
            code = find_code(output, code_length)
            return code if code != previous else None

        try:
            return poll(attempt, label=self.label, address=address, timeout=limit, interval=self.config.poll_interval_s)
        except OtpTimeout as exc:
            if not failed_throughout:
                raise
            message = f"{exc}: it failed on every run ({self.failure}); {HINT}"
            if not self.succeeded:
                self.broken = f"{self.label} has never succeeded (last: {self.failure}); {HINT}"
            raise OtpTimeout(message) from None
