"""`create_app()`: the mock tenant as a Starlette ASGI app (in-process via httpx.ASGITransport, or under uvicorn)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router

from conformance.contract import errors, openapi
from conformance.mock.config import TenantConfig, TenantConfigError, load_tenant
from conformance.mock.control import control_routes
from conformance.mock.deviations import unknown
from conformance.mock.endpoints import ENDPOINTS, Mock
from conformance.mock.serving import MockMiddleware, http_exception_handler, native_endpoint
from conformance.mock.state import MockState
from conformance.mock.tokens import Signer, discovery


def _metadata_routes(mock: Mock, prefix: str) -> list[BaseRoute]:
    async def openid_configuration(request: Request) -> Response:
        return JSONResponse(discovery(mock.origin_of(request.scope), mock.tenant))

    async def keys(request: Request) -> Response:
        return JSONResponse(mock.signer.jwks())

    return [
        Route(prefix + openapi.metadata_path("discovery"), openid_configuration, methods=["GET"]),
        Route(prefix + openapi.metadata_path("jwks"), keys, methods=["GET"]),
    ]


def create_app(tenant: TenantConfig | None = None, *, control: bool = True, origin: str | None = None) -> Starlette:
    """Build the mock tenant app; `control=False` leaves out the `/_mock/` control API.

    `origin` (scheme://host[:port]) is where the server will be reached, chosen at start (`mock serve` passes the
    address it binds); the tenant file's `[tenant] origin` wins over it. Token `iss` and discovery URLs come from it,
    never from a request's `Host` header."""
    tenant = tenant or load_tenant()
    if bad := unknown(tenant.deviations):
        raise TenantConfigError(f"tenant: deviations: unknown deviation {bad[0]!r}")
    mock = Mock(tenant, MockState(tenant), Signer(), errors.table(), tenant.origin or origin)
    authority = f"/{tenant.subdomain}.onmicrosoft.com"
    routes: list[BaseRoute] = [  # full paths, no Mount: one regex match per route, no sub-router per request
        *(
            Route(authority + endpoint.path, native_endpoint(mock, endpoint), methods=["POST"])
            for endpoint in ENDPOINTS.values()
        ),
        *_metadata_routes(mock, authority),
        *_metadata_routes(mock, f"/{tenant.tenant_id}"),
    ]
    if control:
        routes.append(Mount("/_mock", app=Router(control_routes(mock), redirect_slashes=False)))
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_exception_handler(mock)})
    app.router.redirect_slashes = False
    app.state.mock = mock
    app.add_middleware(MockMiddleware, mock=mock)
    return app
