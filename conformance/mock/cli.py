"""`mock` command group: `serve` the mock tenant over HTTP, list its `deviations`."""

from __future__ import annotations

import dataclasses
import gc
import logging
import socket
from pathlib import Path

import click

from conformance import redaction
from conformance.mock.config import TenantConfigError, load_tenant
from conformance.mock.deviations import SWITCHES, descriptions


@click.group("mock")
def mock() -> None:
    """The mock tenant (a stateful native-auth server for tests)."""


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket for uvicorn. Made with proto IPPROTO_TCP, as asyncio's own are: asyncio sets
    TCP_NODELAY only on connections of such sockets, and without it every keep-alive response waits ~40 ms for
    the client's delayed ACK (Nagle)."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    return listener


@mock.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8765, show_default=True, type=int, help="TCP port (0 picks a free one).")
@click.option("--tenant", "tenant_path", type=click.Path(dir_okay=False, path_type=Path), help="Tenant TOML file.")
@click.option("--no-control", is_flag=True, help="Leave out the /_mock/ control API.")
@click.option(
    "--deviation", "deviations", multiple=True, type=click.Choice(sorted(SWITCHES)),
    help="Switch a deviation on (survives /_mock/reset).",
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning"]),
    help="Log level of the server and the mock (info logs every OTP sent, fingerprinted; GET /_mock/outbox has codes).",
)
def serve(
    host: str, port: int, tenant_path: Path | None, no_control: bool, deviations: tuple[str, ...], log_level: str
) -> None:
    """Serve the mock tenant; clients use http://HOST:PORT/{tenant}.onmicrosoft.com as base URL (or the tenant file's
    `[tenant] origin`, which token issuers and discovery then name)."""
    import uvicorn

    from conformance.mock.app import create_app

    try:
        tenant = load_tenant(tenant_path)
    except TenantConfigError as exc:
        raise click.ClickException(str(exc)) from None
    tenant = dataclasses.replace(tenant, deviations=tuple(dict.fromkeys((*tenant.deviations, *deviations))))
    try:  # bound before the app is built, so the origin names the real port (also with --port 0)
        listener = listen(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = listener.getsockname()[1]
    app = create_app(tenant, control=not no_control, origin=f"http://{f'[{host}]' if ':' in host else host}:{bound}")
    redaction.redact_log_records()
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    click.echo(f"mock tenant at {app.state.mock.origin}/{tenant.subdomain}.onmicrosoft.com", err=True)
    # What startup built (specs, schemas, error tables, modules) never changes: frozen, full collections skip it.
    gc.freeze()
    config = uvicorn.Config(app, host=host, port=bound, log_level=log_level, lifespan="off", ws="none")
    uvicorn.Server(config).run(sockets=[listener])


@mock.command("deviations")
def list_deviations() -> None:
    """List the named deviations (and the documented readings served the same way), one line each."""
    width = max(len(name) for name in SWITCHES)
    for name, description in descriptions().items():
        click.echo(f"{name:<{width}}  {description}")
