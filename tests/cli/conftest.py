"""A mock tenant served by `conformance mock serve` in a subprocess, and target profiles pointing at it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import MOCK_PROFILE, PROFILE_PORT, serving


@pytest.fixture(scope="session")
def served_mock() -> Iterator[str]:
    """`conformance mock serve` (the bundled tenant) on a free port; yields its origin."""
    with serving() as origin:
        yield origin


@pytest.fixture
def profile_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """examples/targets/mock-http.toml pointed at another origin, with the variables it names set."""

    def write(origin: str) -> Path:
        text = MOCK_PROFILE.read_text(encoding="utf-8")
        for name in re.findall(r'_env\s*=\s*"([A-Za-z_][A-Za-z0-9_]*)"', text):
            monkeypatch.setenv(name, "set-by-the-test")
        path = tmp_path / "mock-http.toml"
        path.write_text(text.replace(f"http://{PROFILE_PORT}", origin), encoding="utf-8")
        return path

    return write
