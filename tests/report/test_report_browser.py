"""The reports as a person sees them: conformance.html and traceability.html in headless Chromium, offline.

Prints two figures (no timed assertion): the size of the reports directory and how long conformance.html takes to
load and render its rows. Skipped without /usr/bin/chromium, unless `CONFORMANCE_REQUIRE_BROWSER=1` (CI) makes that a
failure.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from browser_support import CHROMIUM, launch

from conformance.contract import errors, openapi
from conformance.contract.paths import REPO_ROOT

RED = "rgb(207, 34, 46)"

REQUIRE_ENV = "CONFORMANCE_REQUIRE_BROWSER"


def require_browser(executable: Path, *, required: bool) -> None:
    """Skip when the browser is absent, or fail when the environment requires it."""
    if executable.exists():
        return
    reason = f"{executable} is absent (Debian: apt-get install -y chromium)"
    if required:
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires the browser test to run")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Path:
    require_browser(CHROMIUM, required=os.environ.get(REQUIRE_ENV) == "1")
    return CHROMIUM


def test_an_absent_browser_skips_unless_required(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception):
        require_browser(tmp_path / "chromium", required=False)
    with pytest.raises(pytest.fail.Exception, match=REQUIRE_ENV):
        require_browser(tmp_path / "chromium", required=True)


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix != ".png"]
    return len(files), sum(p.stat().st_size for p in files)


def test_reports_render_offline_with_rows_transcripts_and_traceability(chromium, suite_run, capsys):
    from playwright.sync_api import sync_playwright

    tests = suite_run.summary["tests"]
    files, size = _size(suite_run.reports)
    with sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
        page = context.new_page()
        started = time.perf_counter()
        page.goto((suite_run.reports / "conformance.html").as_uri())
        page.wait_for_selector("#results-table tbody.results-table-row")
        load_ms = (time.perf_counter() - started) * 1000

        assert page.locator("#results-table tbody.results-table-row").count() == len(tests)
        assert "mock (profile mock)" in page.locator("#conformance-run").inner_text()
        assert page.locator("#incomplete").count() == 0
        failing = page.locator("tbody.results-table-row", has_text="test_deliberately_false")
        assert failing.locator("td.col-verdict").inner_text() == "fail"
        assert "made-up value" in failing.locator("td.col-rule").inner_text()
        page.screenshot(path=str(suite_run.reports / "screenshot-conformance.png"))

        with context.expect_page() as opened:
            failing.locator("a.col-links__extra", has_text="Transcript").click()
        transcript = opened.value
        transcript.wait_for_load_state()
        assert transcript.locator(".exchange").count() >= 1
        assert openapi.path_of("signupStart") in transcript.locator(".exchange").first.inner_text()
        assert transcript.locator(".pill.fail").first.is_visible()

        page.locator("#conformance-links a", has_text="Traceability").click()
        page.wait_for_selector("#not-covered")
        assert page.locator("#error-rows + table tbody tr").count() == len(errors.table())
        assert page.locator("#endpoints + table tbody tr").count() > 0
        assert "test_deliberately_false" in page.locator("#req-E1").inner_text()
        uncovered = page.locator("#not-covered + table tbody tr")
        assert uncovered.count() > 0
        assert uncovered.first.locator("td").first.evaluate("cell => getComputedStyle(cell).color") == RED
        page.screenshot(path=str(suite_run.reports / "screenshot-traceability.png"), full_page=False)
        browser.close()

    (REPO_ROOT / "reports").mkdir(exist_ok=True)
    shutil.copyfile(suite_run.reports / "screenshot-conformance.png", REPO_ROOT / "reports/screenshot-conformance.png")
    with capsys.disabled():
        print(
            f"\nreports: {len(tests)} tests, {files} files, {size / 1024:.0f} KiB;"
            f" conformance.html loaded and rendered in {load_ms:.0f} ms (headless Chromium)"
        )
