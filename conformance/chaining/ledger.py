"""The ledger of a chaining test's requests: which token each answer handed out, for which presented token.

A chaining test asks it, for any token, which token produced it and which start request its flow began with (raw
values in memory only; transcripts keep the redacted ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.client import ApiResponse, NativeAuthClient


@dataclass(frozen=True, slots=True)
class Entry:
    """One request of the test: the token it presented and the token its answer handed out (either may be None)."""

    operation: str
    presented: str | None
    issued: str | None


class Ledger:
    """The session's client, remembering which token each answer handed out for which presented token."""

    def __init__(self, client: NativeAuthClient) -> None:
        self._client = client
        self.entries: list[Entry] = []

    def send(self, operation: str, form: Mapping[str, str | None], **options: Any) -> ApiResponse:
        response = self._client.send(operation, form, **options)
        self.entries.append(Entry(operation, form.get("continuation_token"), response.continuation_token))
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def issuer(self, token: str) -> Entry | None:
        """The request whose answer handed out `token`."""
        return next((entry for entry in reversed(self.entries) if token and entry.issued == token), None)

    def previous(self, token: str) -> str | None:
        """The token presented by the request whose answer handed out `token` (None after a start step)."""
        entry = self.issuer(token)
        return entry.presented if entry else None

    def origin(self, token: str) -> str | None:
        """The operation of the start request (one that takes no token) the flow of `token` began with."""
        entry = self.issuer(token)
        for _ in range(len(self.entries)):
            if entry is None or entry.presented is None:
                break
            entry = self.issuer(entry.presented)
        return entry.operation if entry else None
