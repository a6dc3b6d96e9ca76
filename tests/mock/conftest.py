"""Fixtures for the mock-tenant tests: a fresh app per test, an in-process client, `MockApi` (the walker's actors and
validated requests on that app), uvicorn."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from mock_support import MockApi, in_process, mock_api
from starlette.applications import Starlette

from conformance.mock import create_app


@pytest.fixture
def app() -> Iterator[Starlette]:
    """A fresh mock tenant (bundled default tenant); fails the test if the mock logged an internal error."""
    app = create_app()
    yield app
    assert app.state.mock.state.internal_errors == []


@pytest.fixture
def client(app: Starlette) -> Iterator[httpx.Client]:
    """A synchronous client reaching the app in-process."""
    with in_process(app) as client:
        yield client


@pytest.fixture
def api(app: Starlette) -> Iterator[MockApi]:
    """The walker's actors and validated requests on the test's app; no walk may have recorded a finding."""
    with mock_api(app) as api:
        yield api
    assert not api.validate or api.verdict.findings == []


@contextlib.contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run the app under uvicorn on an ephemeral loopback port (in a thread); yield its origin."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="mock-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(app: Starlette) -> Iterator[str]:
    """The test's app served over real HTTP; yields the origin (`http://127.0.0.1:PORT`)."""
    with serve(app) as origin:
        yield origin
