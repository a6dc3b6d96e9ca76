"""The `conformance` command: run the suites, serve the mock, check a target, validate the spec, diff reports."""

from __future__ import annotations

import click

from conformance import __version__
from conformance.cli.check import target
from conformance.cli.run import run
from conformance.contract import spec_version
from conformance.mock.cli import mock
from conformance.report.diff import report_diff


def _version_message() -> str:
    version, doc_date = spec_version()
    return f"conformance {__version__} (specification {version}, documentation of {doc_date})"


def _print_version(context: click.Context, _: click.Parameter, wanted: bool) -> None:
    """`--version`: the package's own version and the specification's, read when asked (not package metadata, which
    a checkout run from source does not have)."""
    if wanted and not context.resilient_parsing:
        click.echo(_version_message())
        context.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
    help="Show the package version, the specification version and the documentation date it encodes, and exit.",
)
def main() -> None:
    """Contract-conformance suite and mock tenant for the Entra External ID native authentication API."""


@main.group()
def spec() -> None:
    """Inspect the executable specification (specs/ and schemas/)."""


@spec.command("validate")
def spec_validate() -> None:
    """Validate the OpenAPI document, every JSON Schema, the error tables and the errata."""
    from conformance.contract.validation import validate_all

    problems = validate_all()
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("specification valid")


@main.group()
def report() -> None:
    """Work with the reports of past runs."""


report.add_command(report_diff)
for command in (run, mock, target):
    main.add_command(command)
