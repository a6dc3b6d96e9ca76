"""What the MSAL JS test needs besides its scenarios: the bundle, the same-origin page server and the page bridge.

- `bundle()` installs the pinned packages (`package.json` + `package-lock.json`, `npm ci`) into the git-ignored
  `tests/clients/.build/`, again only when the lockfile changed, and bundles `msal/page.js` with esbuild.
- `page_server(upstream, bundle)` serves the page and forwards `/api/*` (MSAL's `customAuth.authApiProxyUrl`) to the
  mock tenant's base URL, the way an app's own backend proxy does (the browser's CORS rules allow nothing else).
- `Msal` calls MSAL in the page (`window.msalBridge`) and returns what MSAL returned, as `Step`s.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from browser_support import CHROMIUM
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from conformance.contract import openapi
from conformance.mock.config import load_tenant
from conformance.target import serve_app

HERE = Path(__file__).parent
BUILD = HERE / ".build"
PAGE_SOURCE = HERE / "msal" / "page.js"
# CI (.ci/run) sets this: without node, npm or Chromium the client-library tests fail instead of skipping.
REQUIRE_ENV = "CONFORMANCE_REQUIRE_CLIENT_LIBRARIES"
# What a native-auth request and answer carry that the proxy passes on (MSAL's headers; the mock's correlation ids).
FORWARDED_REQUEST_HEADERS = ("content-type", "client-request-id", "x-client-sku", "x-client-ver", "x-client-os",
                             "x-client-cpu", "x-client-current-telemetry", "x-client-last-telemetry")
FORWARDED_RESPONSE_HEADERS = ("content-type", "client-request-id", "x-ms-request-id", "retry-after")
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>MSAL JS custom auth against the mock tenant</title></head>
<body><script src="/msal-page.js"></script></body></html>
"""


def require_tools(*, required: bool, chromium: Path = CHROMIUM, commands: tuple[str, ...] = ("node", "npm")) -> None:
    """Skip when node, npm or Chromium is absent, or fail when the environment requires the client tests to run."""
    missing = [name for name in commands if shutil.which(name) is None]
    missing += [str(chromium)] if not chromium.exists() else []
    if not missing:
        return
    reason = f"{', '.join(missing)} absent (Debian: apt-get install -y nodejs npm chromium)"
    if required:
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires the client-library tests to run")
    pytest.skip(reason)


def _digest(*files: Path) -> str:
    sha = hashlib.sha256()
    for file in files:
        sha.update(file.read_bytes())
    return sha.hexdigest()


def _run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()[-2000:]
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {output}")


def bundle() -> Path:
    """The browser bundle of `msal/page.js` with the pinned MSAL; built once per lockfile and page (xdist-safe)."""
    BUILD.mkdir(exist_ok=True)
    with (BUILD / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installed = _digest(HERE / "package.json", HERE / "package-lock.json")
        stamp = BUILD / "installed.sha256"
        if not (BUILD / "node_modules").is_dir() or not stamp.exists() or stamp.read_text() != installed:
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(HERE / name, BUILD / name)
            _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], BUILD)
            stamp.write_text(installed)
        out = BUILD / "msal-page.js"
        built = BUILD / "bundle.sha256"
        wanted = hashlib.sha256((installed + _digest(PAGE_SOURCE)).encode()).hexdigest()
        if not out.exists() or not built.exists() or built.read_text() != wanted:
            shutil.copyfile(PAGE_SOURCE, BUILD / "page.js")
            esbuild = BUILD / "node_modules" / ".bin" / "esbuild"
            _run([str(esbuild), "page.js", "--bundle", "--format=iife", "--keep-names", "--target=es2020",
                  "--log-level=error", f"--outfile={out.name}"], BUILD)
            built.write_text(wanted)
        return out


def page_app(upstream: str, script: Path) -> Starlette:
    """The page and its `/api/` proxy to `upstream` (the tenant's base URL, e.g. http://127.0.0.1:P/contoso...)."""
    client = httpx.AsyncClient(timeout=30)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with client:
            yield

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def script_file(request: Request) -> Response:
        return FileResponse(script, media_type="text/javascript")

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    async def forward(request: Request) -> Response:
        headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
        answer = await client.post(
            f"{upstream.rstrip('/')}/{request.path_params['path']}",
            params=request.query_params,
            content=await request.body(),
            headers=headers,
        )
        kept = {name: answer.headers[name] for name in FORWARDED_RESPONSE_HEADERS if name in answer.headers}
        return Response(answer.content, answer.status_code, headers=kept)

    return Starlette(
        routes=[
            Route("/", page),
            Route("/msal-page.js", script_file),
            Route("/favicon.ico", no_icon),
            Route("/api/{path:path}", forward, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


@contextlib.contextmanager
def page_server(upstream: str, script: Path) -> Iterator[str]:
    """Serve the page and proxy on a loopback port; yields the page's origin."""
    with serve_app(page_app(upstream, script), name="msal-page-server") as origin:
        yield origin


@dataclass(frozen=True, slots=True)
class Step:
    """What one MSAL call returned: a result (class, state type, error, data) or a plain value."""

    raw: Any

    @property
    def state(self) -> str:
        return self.raw["state"]

    @property
    def handle(self) -> str:
        return self.raw["handle"]

    @property
    def error(self) -> dict[str, Any] | None:
        return self.raw["error"]

    @property
    def data(self) -> dict[str, Any] | None:
        return self.raw["data"]

    def __repr__(self) -> str:
        if isinstance(self.raw, dict) and "state" in self.raw:
            error = self.raw["error"]
            brief = f", error={error['type']}({error['error']}/{error['suberror']}: {error['kinds']})" if error else ""
            return f"Step({self.raw['result']} -> {self.raw['state']}{brief})"
        return f"Step({self.raw!r})"


class Msal:
    """MSAL JS custom auth in one page: one CustomAuthPublicClientApplication per named application."""

    def __init__(self, page: Any, apps: dict[str, str], authority: str, capabilities: list[str]) -> None:
        self.page = page
        self.apps = apps
        page.evaluate(
            "([apps, authority, capabilities]) => window.msalBridge.create(apps, authority, capabilities)",
            [[{"name": name, "clientId": client_id} for name, client_id in apps.items()], authority, capabilities],
        )

    def call(self, handle: str, method: str, *args: Any) -> Step:
        """Call `method` on the application named `handle`, or on an object an earlier step returned."""
        raw = self.page.evaluate(
            "([handle, method, args]) => window.msalBridge.call(handle, method, args)", [handle, method, list(args)]
        )
        return Step(raw)

    def sign_out_all(self) -> list[str]:
        """Sign every application's cached account out; the names of those that had one."""
        return self.page.evaluate("(names) => window.msalBridge.signOutAll(names)", list(self.apps))


def required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


class MockTenant:
    """The mock tenant the page talks to: its applications, and its control API for users, codes and deviations."""

    def __init__(self, origin: str, base_url: str) -> None:
        self.origin = origin
        self.base_url = base_url
        self.config = load_tenant()
        self.control = httpx.Client(base_url=origin, timeout=10)
        self.apps = {app.name: app.client_id for app in self.config.applications if app.public and app.native_auth}

    def close(self) -> None:
        self.control.close()

    @property
    def authority(self) -> str:
        """The CIAM authority MSAL is configured with (its API calls go to the proxy instead)."""
        return f"https://{self.config.subdomain}.ciamlogin.com/"

    def new_address(self) -> str:
        return f"msal-{uuid.uuid4().hex[:12]}@example.com"

    def add_user(self, *, password: str | None = None, mfa_email: str | None = None, **attributes: str) -> str:
        """A new user (a password user when `password` is given), optionally with an email strong method."""
        email = self.new_address()
        user: dict[str, Any] = {"email": email, "attributes": attributes}
        if password is not None:
            user["password"] = password
        if mfa_email is not None:
            user["mfa_methods"] = [{"channel": "email", "target": mfa_email}]
        self.control.post("/_mock/users", json=user).raise_for_status()
        return email

    def code(self, address: str) -> str:
        """The last one-time passcode the mock sent to `address` (its outbox)."""
        messages = self.control.get("/_mock/outbox", params={"to": address}).json()["messages"]
        assert messages, f"the mock sent no code to {address}"
        return messages[-1]["code"]

    def id_token_claims(self, id_token: str, client_id: str) -> dict[str, Any]:
        """The id_token's claims, its signature checked against the tenant's JWKS and its audience against the app."""
        return jwt.decode(id_token, self._key(id_token), algorithms=["RS256"], audience=client_id)

    def access_token_claims(self, access_token: str) -> dict[str, Any]:
        """The access token's claims, its signature checked against the tenant's JWKS."""
        return jwt.decode(access_token, self._key(access_token), algorithms=["RS256"], options={"verify_aud": False})

    def _key(self, token: str) -> jwt.PyJWK:
        keys = self.control.get(self.base_url + openapi.metadata_path("jwks")).json()["keys"]
        return jwt.PyJWK(next(k for k in keys if k["kid"] == jwt.get_unverified_header(token)["kid"]))

    @contextlib.contextmanager
    def deviation(self, name: str) -> Iterator[None]:
        """Switch a named deviation on for the block (conformance/mock/deviations.py)."""
        self.control.post("/_mock/deviations", json={"enable": [name]}).raise_for_status()
        try:
            yield
        finally:
            self.control.post("/_mock/deviations", json={"disable": [name]}).raise_for_status()
