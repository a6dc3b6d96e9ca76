"""Every command answers --help completely, and a user mistake is one line, never a traceback."""

from __future__ import annotations

import importlib.metadata
import subprocess

import click
import pytest
from cli_support import CONFORMANCE
from click.testing import CliRunner

from conformance import __version__
from conformance.cli import main
from conformance.contract import spec_version


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


COMMANDS = _commands(main)


def test_the_documented_commands_exist():
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"run", "mock serve", "target check", "spec validate", "report diff"} <= paths


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "conformance" for p, _ in COMMANDS])
def test_help(path: tuple[str, ...], command: click.Command):
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="conformance")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: conformance {' '.join(path)}".rstrip())
    assert command.help and command.help.splitlines()[0] in result.output.replace("\n  ", " ")
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{param.name} has no help"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["target", "check", "--bogus", "x.toml"], "Error: No such option '--bogus'."),
        (["target", "check", "missing.toml"], "Error: missing.toml: cannot read: No such file or directory"),
        (["run", "--target", "missing.toml"], "Error: missing.toml: cannot read: No such file or directory"),
        (["report", "diff", "old.json", "new.json"], "Error: Invalid value for 'OLD': Path 'old.json' does not exist."),
    ],
)
def test_a_user_mistake_is_one_line(args: list[str], message: str):
    result = CliRunner().invoke(main, args, prog_name="conformance")
    assert result.exit_code in (1, 2)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines()[-1] == message
    assert "Traceback" not in result.output


def _no_package_metadata(name: str) -> None:
    raise importlib.metadata.PackageNotFoundError(name)


def test_version_from_a_checkout_without_package_metadata(monkeypatch: pytest.MonkeyPatch):
    """The README's `conformance --version` prints the package and specification versions even when the package
    metadata cannot be looked up (a checkout on PYTHONPATH); it never asks for it."""
    monkeypatch.setattr(importlib.metadata, "version", _no_package_metadata)
    monkeypatch.setattr(importlib.metadata, "distribution", _no_package_metadata)
    result = CliRunner().invoke(main, ["--version"], prog_name="conformance")
    assert result.exit_code == 0, result.output
    version, doc_date = spec_version()
    assert result.output == f"conformance {__version__} (specification {version}, documentation of {doc_date})\n"


def test_version_of_the_installed_command_is_the_packages():
    """Installed, the command prints the same version the package metadata holds (one source: conformance/__init__)."""
    done = subprocess.run([CONFORMANCE, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert done.stdout.startswith(f"conformance {importlib.metadata.version('entra-native-auth-conformance')} (")
