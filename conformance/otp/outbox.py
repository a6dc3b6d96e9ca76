"""OTPs from a mock tenant's control API: `GET {control_url}/_mock/outbox?to=ADDRESS` (oldest first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from conformance.otp.base import OtpError, describe, poll
from conformance.profile import OutboxOtp


@dataclass(frozen=True)
class OutboxMark:
    """The newest message for the address when the mark was taken (None when there was none)."""

    newest: dict[str, Any] | None


class OutboxSource:
    """Reads codes from the outbox; pass `http_client` to reach an in-process mock through its transport."""

    def __init__(self, config: OutboxOtp, *, http_client: httpx.Client | None = None) -> None:
        self.config = config
        self.label = f"outbox {config.control_url}"
        self._http = http_client or httpx.Client(timeout=10)

    def messages(self, address: str) -> list[dict[str, Any]]:
        """The outbox's messages to `address`, oldest first."""
        try:
            response = self._http.get(f"{self.config.control_url}/_mock/outbox", params={"to": address})
            response.raise_for_status()
            return [m for m in response.json()["messages"] if str(m["to"]).lower() == address.lower()]
        except (httpx.HTTPError, ValueError, LookupError, TypeError) as exc:
            raise OtpError(f"{self.label}: cannot read the outbox for {address}: {describe(exc)}") from None

    def mark(self, address: str) -> OutboxMark:
        """Remember the newest message already sent to `address`."""
        messages = self.messages(address)
        return OutboxMark(messages[-1] if messages else None)

    def fetch(self, address: str, *, after: object, code_length: int, timeout: float | None = None) -> str:
        """The code of the newest message sent to `address` after the mark (the outbox states it; no parsing)."""
        if not isinstance(after, OutboxMark):
            raise TypeError(f"expected an OutboxMark from this source's mark(), got {after!r}")

        def attempt() -> str | None:
            messages = self.messages(address)
            if after.newest in messages:
                messages = messages[messages.index(after.newest) + 1 :]
            return str(messages[-1]["code"]) if messages else None

        return poll(
            attempt, label=self.label, address=address,
            timeout=self.config.timeout_s if timeout is None else timeout, interval=self.config.poll_interval_s,
        )
