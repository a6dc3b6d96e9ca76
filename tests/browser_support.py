"""Debian's Chromium, driven headless through Playwright by the tests that need a real browser (the reports, the
client libraries); never a browser Playwright downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and without the background connections this machine's closed network refuses.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright: Any, executable: Path = CHROMIUM) -> Any:
    """A headless Chromium browser (Playwright's `Browser`)."""
    return playwright.chromium.launch(executable_path=str(executable), args=ARGS)
