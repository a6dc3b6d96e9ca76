"""What the CLI tests share: the installed `conformance` command, the example profile, a served mock's readiness."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from conformance.contract.paths import REPO_ROOT
from conformance.target import free_port

BIN = Path(sys.executable).parent
CONFORMANCE = str(BIN / "conformance")
MOCK_PROFILE = REPO_ROOT / "examples" / "targets" / "mock-http.toml"
PROFILE_PORT = "127.0.0.1:8765"


def answers(origin: str) -> bool:
    """True when the mock's control API answers at `origin`."""
    try:
        return httpx.get(f"{origin}/_mock/outbox", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def serving(*options: str) -> Iterator[str]:
    """`conformance mock serve OPTIONS` on a free port; yields its origin, stops it afterwards."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with subprocess.Popen(
        [CONFORMANCE, "mock", "serve", "--port", str(port), "--log-level", "warning", *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ) as process:
        deadline = time.monotonic() + 30
        while not answers(origin):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the mock did not answer within 30 s"
            time.sleep(0.1)
        yield origin
        process.terminate()
