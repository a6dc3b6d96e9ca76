"""`mock` command group: `serve` the mock tenant over HTTP, list its `deviations`."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import click

from conformance import redaction
from conformance.mock.deviations import SWITCHES, descriptions
from conformance.mock.tenant import TenantConfigError, load_tenant


@click.group("mock")
def mock() -> None:
    """The mock tenant (a stateful native-auth server for tests)."""


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
    """Serve the mock tenant; clients use http://HOST:PORT/{tenant}.onmicrosoft.com as base URL."""
    import uvicorn

    from conformance.mock.app import create_app

    try:
        tenant = load_tenant(tenant_path)
    except TenantConfigError as exc:
        raise click.ClickException(str(exc)) from None
    tenant = dataclasses.replace(tenant, deviations=tuple(dict.fromkeys((*tenant.deviations, *deviations))))
    app = create_app(tenant, control=not no_control)
    redaction.redact_log_records()
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    click.echo(f"mock tenant at http://{host}:{port}/{tenant.subdomain}.onmicrosoft.com", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="off", ws="none")


@mock.command("deviations")
def list_deviations() -> None:
    """List the named deviations (and the documented readings served the same way), one line each."""
    width = max(len(name) for name in SWITCHES)
    for name, description in descriptions().items():
        click.echo(f"{name:<{width}}  {description}")
