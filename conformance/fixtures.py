"""The fixtures the suites use: the target (opened once), a recording client, the test's verdict, steps and actors for
any application, the expiry probe's late request, and the target's signing keys.

They keep what the plugin's hooks read on the test item (`TRANSCRIPT`, `VERDICT`) and the config (`OPENED`). The
plugin (`conformance.plugin`) loads this module, so a run has them wherever the suites live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from conformance import expiry
from conformance.client import Exchange, NativeAuthClient, TargetUnreachable
from conformance.contract import openapi
from conformance.otp.base import describe
from conformance.profile import Application
from conformance.report.record import marked_requirements
from conformance.steps import NativeAuthSteps
from conformance.target import Target, open_target
from conformance.verdicts import Verdict
from conformance.walker import Actor

TRANSCRIPT = pytest.StashKey[list[Exchange]]()
VERDICT = pytest.StashKey[Verdict]()
OPENED = pytest.StashKey[Target]()


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The target of this run, opened once per session (per worker under xdist; the profile was checked when pytest
    was configured)."""
    deviations = tuple(pytestconfig.getoption("--mock-deviation"))
    with open_target(pytestconfig.getoption("--target"), deviations) as opened:
        pytestconfig.stash[OPENED] = opened
        yield opened
        del pytestconfig.stash[OPENED]


@pytest.fixture(scope="session")
def api_client(target: Target) -> Iterator[NativeAuthClient]:
    client = target.client()
    yield client
    client.close()


@pytest.fixture
def verdict(request: pytest.FixtureRequest, target: Target) -> Verdict:
    """The checks of this test; the test fails when a FAILURE finding is not an expected deviation."""
    profile = target.profile
    found = Verdict(frozenset(profile.expected_deviations), profile.severity, tuple(marked_requirements(request.node)))
    request.node.stash[VERDICT] = found
    return found


@pytest.fixture
def steps_for(
    request: pytest.FixtureRequest, api_client: NativeAuthClient
) -> Iterator[Callable[[str], NativeAuthSteps]]:
    """Steps for any client id, recording every exchange into this test's transcript."""
    transcript: list[Exchange] = request.node.stash.setdefault(TRANSCRIPT, [])
    api_client.set_recorder(transcript.append)
    yield lambda client_id: NativeAuthSteps(api_client, client_id)
    api_client.set_recorder(None)


@pytest.fixture
def steps(steps_for: Callable[[str], NativeAuthSteps], target: Target) -> NativeAuthSteps:
    """Steps for the profile's main application."""
    return steps_for(target.profile.client_id)


@pytest.fixture
def actor_for(
    steps_for: Callable[[str], NativeAuthSteps], target: Target, verdict: Verdict
) -> Callable[[Application], Actor]:
    """An actor for any application of the profile, sharing this test's verdict and transcript."""
    return lambda app: Actor(steps_for(app.client_id), target.otp, verdict, target.profile, app.tenant)


@pytest.fixture
def actor(actor_for: Callable[[Application], Actor], target: Target) -> Actor:
    """The profile's main application acting for a user, with the target's OTP source."""
    return actor_for(target.profile.apps()[0])


@pytest.fixture(scope="session")
def expiry_batch(request: pytest.FixtureRequest, target: Target, api_client: NativeAuthClient) -> expiry.Batch:
    """The run's expiry probes (this worker's), prepared together and waited for once (`conformance.expiry`)."""
    return expiry.Batch(target, api_client, request.session.items)


@pytest.fixture
def expired(
    request: pytest.FixtureRequest,
    target: Target,
    steps_for: Callable[[str], NativeAuthSteps],
    api_client: NativeAuthClient,
    verdict: Verdict,
    expiry_batch: expiry.Batch,
) -> expiry.Expired:
    """`expired()`: this expiry test's request, once what it probes has outlived its lifetime, and the
    `client-request-id` to send it with (the test's `expiry` marker says what and how to prepare it)."""
    kit = expiry.Kit(target, api_client, verdict, request.config.getoption("--slow"))
    return expiry.expired(request, kit, request.node.stash.setdefault(TRANSCRIPT, []), expiry_batch)


@pytest.fixture(autouse=True)
def _expiry_head_start(request: pytest.FixtureRequest) -> None:
    """Without xdist, a `--slow` run against a target without clock control prepares every expiry probe before its
    first test that talks to the target, so the rest of the run goes on while their lifetimes pass."""
    if "target" not in request.fixturenames or hasattr(request.config, "workerinput"):
        return
    if expiry.batched(request.config, request.getfixturevalue("target")):
        request.getfixturevalue("expiry_batch").prepare_all()


@pytest.fixture(scope="session")
def jwks(target: Target) -> dict[str, Any]:
    """The target's signing keys, found through its OpenID discovery document (TargetUnreachable, one line, when they
    cannot be read)."""
    url = target.profile.base_url + openapi.metadata_path("discovery")
    with httpx.Client(transport=target.transport, timeout=target.profile.pacing.request_timeout_s) as http:
        try:
            discovery = http.get(url).raise_for_status()
            url = discovery.json()["jwks_uri"]
            keys = http.get(url).raise_for_status().json()
        except (httpx.HTTPError, ValueError, LookupError, TypeError) as exc:
            raise TargetUnreachable(f"{url}: cannot read the signing keys: {describe(exc)}") from None
    if not isinstance(keys, dict):
        raise TargetUnreachable(f"{url}: cannot read the signing keys: not a JSON Web Key Set")
    return keys
