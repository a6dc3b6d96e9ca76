"""What the CLI tests share: the installed `conformance` command, the example profile, a served mock's readiness."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from conformance.contract.paths import REPO_ROOT

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
