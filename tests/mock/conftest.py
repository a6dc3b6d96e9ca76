"""Fixtures for the mock-tenant tests: a fresh app per test, an in-process client, the validating driver, uvicorn."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from mock_driver import Api
from starlette.applications import Starlette

from conformance.mock import create_app
from conformance.transport import InProcessTransport


@pytest.fixture
def app() -> Iterator[Starlette]:
    """A fresh mock tenant (bundled default tenant); fails the test if the mock logged an internal error."""
    app = create_app()
    yield app
    assert app.state.mock.state.internal_errors == []


@pytest.fixture
def client(app: Starlette) -> Iterator[httpx.Client]:
    """A synchronous client reaching the app in-process."""
    transport = InProcessTransport(app)
    with httpx.Client(transport=transport, base_url="http://mock.test") as client:
        yield client
    transport.shutdown()  # its event-loop thread; left to the garbage collector it warns in whichever test runs then


@pytest.fixture
def api(client: httpx.Client) -> Api:
    """The validating driver."""
    return Api(client)


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
