"""The server benchmark's moving parts, briefly: its servers start, its wrk scripts complete what they claim.

Figures are never asserted (they belong to `benchmarks/server_load.py`'s output); only that the load is what it says:
every request answered 200, every flow completed through the outbox, the request cap honoured.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import load_servers
import load_wrk
import pytest
import server_load


@pytest.fixture(scope="module")
def mock() -> Iterator[load_servers.Server]:
    """The mock as the benchmark serves it (`conformance mock serve --log-level warning` in a subprocess)."""
    server = load_servers.start_mock()
    yield server
    server.stop()


def test_flow_script_completes_sign_ups_through_the_outbox(mock: load_servers.Server) -> None:
    """Every flow the Lua script starts ends with tokens: E1, E2, the code from GET /_mock/outbox, E3, E6."""
    result = load_wrk.run(mock.origin, "signup_flow.lua", "b1", *server_load.FLOW_PATHS, connections=4, seconds=2)
    assert result.flows > 0 and result.failed_flows == 0 and result.errors == 0
    assert result.requests >= result.flows * server_load.FLOW_REQUESTS
    users = httpx.get(f"{mock.origin}/_mock/state").json()["sizes"]["users"]
    assert users >= 4 + result.flows  # the seeded users, and one account per completed flow


def test_form_script_stops_at_its_request_cap(mock: load_servers.Server) -> None:
    """With a cap, one wrk thread stops after that many responses, all 200 (the mock's sign-up start)."""
    url = mock.origin + server_load.PATH
    result = load_wrk.run(url, "form_post.lua", server_load.FORM, "300", connections=4, seconds=1)
    assert 300 <= result.requests < 310 and result.errors == 0
    assert mock.rss_mb() > 10 and mock.cpu_seconds() > 0


def test_bare_endpoint_reads_the_same_form() -> None:
    """The baseline answers the benchmark's form with a fresh token, and a form without client_id with 400."""
    server = load_servers.start_bare()
    try:
        url = server.origin + server_load.PATH
        headers = {"content-type": "application/x-www-form-urlencoded"}
        first, second = (httpx.post(url, content=server_load.FORM, headers=headers).json() for _ in range(2))
        assert len(first["continuation_token"]) == 64 and first != second
        assert httpx.post(url, content="username=x", headers=headers).status_code == 400
    finally:
        server.stop()
