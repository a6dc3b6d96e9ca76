"""`conformance target check PROFILE`: a readiness table before a long run."""

from __future__ import annotations

import click

from conformance.profile import ProfileError, load_profile
from conformance.target_check import check_target, table


@click.group("target")
def target() -> None:
    """Target profiles: TOML files describing a tenant (see examples/targets/)."""


@target.command("check", short_help="Check that a target profile is ready for a run.")
@click.argument("profile", type=click.Path(dir_okay=False))
def check(profile: str) -> None:
    """Check that PROFILE is ready for a run and print what is ready and what is not; exit 1 when anything is not.

    Loads the profile (one line naming the key on any problem), resolves the environment variables it names,
    fetches the tenant's OpenID configuration, sends one harmless request (a sign-in start for an address nobody
    signed up with) and reads the OTP source once.
    """
    try:
        loaded = load_profile(profile)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from None
    checks = check_target(loaded)
    for line in table(checks):
        click.echo(line)
    if not all(c.ready for c in checks):
        raise SystemExit(1)
