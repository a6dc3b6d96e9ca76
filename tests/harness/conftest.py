"""Fixtures for the harness-core tests: the embedded mock as a target, a client to it, its fault queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from harness_support import Faults

from conformance.client import NativeAuthClient
from conformance.target import EMBEDDED, Target, open_target


@pytest.fixture(scope="session")
def mock_target() -> Iterator[Target]:
    """The embedded mock tenant, in-process, opened once."""
    with open_target(EMBEDDED) as target:
        yield target


@pytest.fixture
def api(mock_target: Target) -> Iterator[NativeAuthClient]:
    """A client of the embedded mock, paced and retried as its profile says."""
    client = mock_target.client()
    yield client
    client.close()


@pytest.fixture
def faults(mock_target: Target) -> Faults:
    """`faults(endpoint, *responses)` queues canned responses in the mock for a fresh client-request-id, returned."""

    def queue(endpoint: str, *responses: dict[str, Any]) -> str:
        crid = str(uuid.uuid4())
        control = mock_target.control()
        assert control is not None
        with control:
            body = {"client_request_id": crid, "endpoint": endpoint, "responses": list(responses)}
            control.post("/_mock/faults", json=body).raise_for_status()
        return crid

    return queue
