"""Fixtures of the client-library tests: one bundle, one headless Chromium and one page per mock tenant per module.

The mock tenant is the one the client-library gate serves when `NATIVE_AUTH_BASE_URL` and `NATIVE_AUTH_CONTROL_URL`
are set (examples/ci/client-library-gate.sh exports them), else the embedded mock served on a loopback port. Tests
that switch a mock deviation on always use an embedded mock of their own. Without node, npm or Chromium the tests
skip, unless `CONFORMANCE_REQUIRE_CLIENT_LIBRARIES=1` (.ci/run) makes that a failure.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.register_assert_rewrite("msal_scenarios")

from browser_support import launch  # noqa: E402
from msal_support import (  # noqa: E402  (after the rewrite hook, so the scenarios' asserts explain themselves)
    MockTenant,
    Msal,
    bundle,
    page_server,
    require_tools,
    required,
)

from conformance.mock.app import create_app  # noqa: E402
from conformance.target import serve_app  # noqa: E402

CAPABILITIES = ["mfa_required", "registration_required"]


@pytest.fixture(scope="session")
def msal_bundle() -> Path:
    require_tools(required=required())
    return bundle()


@pytest.fixture(scope="module")
def browser(msal_bundle: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def own_mock() -> Iterator[MockTenant]:
    """The embedded mock tenant on a loopback port, for this module alone."""
    app = create_app()
    with serve_app(app) as origin:
        tenant = MockTenant(origin, f"{origin}/{app.state.mock.tenant.subdomain}.onmicrosoft.com")
        yield tenant
        tenant.close()


@pytest.fixture(scope="module")
def tenant(
    request: pytest.FixtureRequest, record_testsuite_property: Callable[[str, object], None]
) -> Iterator[MockTenant]:
    """The gate's mock tenant when its variables are set, else this module's own."""
    base_url, control_url = os.environ.get("NATIVE_AUTH_BASE_URL"), os.environ.get("NATIVE_AUTH_CONTROL_URL")
    if not (base_url and control_url):
        found = request.getfixturevalue("own_mock")
        record_testsuite_property("native_auth_base_url", found.base_url)
        yield found
        return
    gate = MockTenant(control_url, base_url)
    record_testsuite_property("native_auth_base_url", gate.base_url)
    yield gate
    gate.close()


@pytest.fixture(scope="module")
def pages(browser: Any, msal_bundle: Path) -> Iterator[Callable[[MockTenant], Msal]]:
    """MSAL in a page served next to a proxy to the given tenant: one page per tenant, opened on first use."""
    opened: dict[str, Msal] = {}
    with contextlib.ExitStack() as stack:

        def page_for(tenant: MockTenant) -> Msal:
            if tenant.base_url not in opened:
                origin = stack.enter_context(page_server(tenant.base_url, msal_bundle))
                page = browser.new_page()
                stack.callback(page.close)
                page.goto(f"{origin}/")
                opened[tenant.base_url] = Msal(page, tenant.apps, tenant.authority, CAPABILITIES)
            return opened[tenant.base_url]

        yield page_for


@pytest.fixture
def msal(pages: Callable[[MockTenant], Msal], tenant: MockTenant) -> Msal:
    """MSAL against the test's tenant, every application signed out."""
    client = pages(tenant)
    client.sign_out_all()
    return client


@pytest.fixture
def own_msal(pages: Callable[[MockTenant], Msal], own_mock: MockTenant) -> Msal:
    """MSAL against this module's own mock tenant (where deviations are switched on), every application signed out."""
    client = pages(own_mock)
    client.sign_out_all()
    return client
