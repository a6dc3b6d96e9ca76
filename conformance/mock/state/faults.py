"""The fault queue: canned responses per (client-request-id, endpoint), consumed in order, bounded in all."""

from __future__ import annotations

from collections import deque
from typing import Any


class FaultQueueFull(ValueError):
    """Queuing more responses would pass the tenant's `retention.faults` (the message says so)."""


class Faults:
    """Queued canned responses: at most `limit` in all, so a client that queues and never sends cannot grow the mock."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.queues: dict[tuple[str, str], deque[dict[str, Any]]] = {}
        self.count = 0

    def queue(self, client_request_id: str, endpoint: str, responses: list[dict[str, Any]]) -> int:
        """Append responses for one (client-request-id, endpoint); return that queue's length."""
        if self.count + len(responses) > self.limit:
            raise FaultQueueFull(
                f"the fault queue holds {self.count} responses; {len(responses)} more would pass its bound of "
                f"{self.limit} (retention.faults)"
            )
        queue = self.queues.setdefault((client_request_id, endpoint), deque())
        queue.extend(responses)
        self.count += len(responses)
        return len(queue)

    def next(self, client_request_id: str, endpoint: str) -> dict[str, Any] | None:
        """Pop the next response queued for this request, if any."""
        queue = self.queues.get((client_request_id, endpoint))
        if not queue:
            return None
        self.count -= 1
        fault = queue.popleft()
        if not queue:
            del self.queues[(client_request_id, endpoint)]
        return fault

    def listing(self) -> list[dict[str, Any]]:
        """Every queue, as the control API lists it."""
        return [
            {"client_request_id": crid, "endpoint": endpoint, "responses": list(queue)}
            for (crid, endpoint), queue in self.queues.items()
        ]

    def clear(self) -> None:
        """Drop every queued response."""
        self.queues.clear()
        self.count = 0
