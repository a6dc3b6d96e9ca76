"""Expiry in one wait (api-reference.md §7.1: a continuation token is valid only for a limited time; §7.5 codes).

An expiry test is marked `expiry(LIFETIME, prepare=...)`: LIFETIME names the profile limit saying how long what it
probes lives (`LIFETIMES`), `prepare(kit)` walks a fresh flow up to the request the test sends late (a `Reached`).
The test asks the `expired` fixture for that request and the `client-request-id` to send it with:

- against a target with clock control (the mock), the test prepares it itself and the clock moves for that one
  request id, so nothing waits;
- otherwise, with `--slow`, every selected expiry test's request is prepared first (at the start of the run, or at the
  first expiry test under xdist, where each worker prepares them all), the run waits once for the longest lifetime
  plus a margin with a progress line, and each test then sends its own; the expiry tests run last, so the rest of the
  run goes on while the clock ticks. Without `--slow` they skip, saying how long that one wait would be.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import pytest

from conformance.client import Exchange, NativeAuthClient
from conformance.profile import Application
from conformance.report.record import marked_requirements
from conformance.steps import NativeAuthSteps
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Actor, Reached

log = logging.getLogger("conformance.expiry")
MARKER = "expiry"
#: Lifetime name → the `[limits]` key of the profile that declares it.
LIFETIMES = {
    "continuation_token": "continuation_token_lifetime_s",
    "otp": "otp_lifetime_s",
    "refresh_token": "refresh_token_lifetime_s",
}
#: A moved clock also covers time a test already moved for other request ids (SSPR polls, up to a minute "later").
CLOCK_SLACK_S = 60
SLOW_PREFIX = "needs --slow: "


def margin(lifetime: float) -> float:
    """How long past a lifetime the run waits: a second for the target's timestamp granularity, plus 1 %."""
    return 1.0 + lifetime / 100


@dataclass
class Kit:
    """What a `prepare` function walks with: the target, a client, the verdict its checks go to, and `--slow`."""

    target: Target
    client: NativeAuthClient
    verdict: Verdict
    slow: bool

    def actor_for(self, app: Application) -> Actor:
        """An actor of `app` whose requests go through this kit's client and whose checks go to its verdict."""
        steps = NativeAuthSteps(self.client, app.client_id)
        return Actor(steps, self.target.otp, self.verdict, self.target.profile, app.tenant)


Prepare = Callable[[Kit], Reached]


class _WouldSend(Exception):
    """A dry walk got as far as its first request (so the tenant has what it needs)."""


class _NoRequests:
    """A client that stops a dry walk at its first request."""

    def send(self, *args: object, **kwargs: object) -> None:
        raise _WouldSend


def reachable(prepare: Prepare, kit: Kit) -> None:
    """Walk `prepare` dry: what the tenant lacks is raised (`Lacking`, a skip) before any request is sent."""
    with contextlib.suppress(_WouldSend):
        prepare(Kit(kit.target, cast(NativeAuthClient, _NoRequests()), kit.verdict, kit.slow))


def lifetime_of(target: Target, name: str) -> float | None:
    """The profile's declared lifetime `name` (seconds), or None when it declares none."""
    return getattr(target.profile.limits, LIFETIMES[name])


def _marker(item: pytest.Item) -> tuple[str, Prepare]:
    mark = item.get_closest_marker(MARKER)
    assert mark is not None and mark.args and "prepare" in mark.kwargs, f"{item.nodeid}: expiry(LIFETIME, prepare=…)"
    return mark.args[0], mark.kwargs["prepare"]


@dataclass
class Prepared:
    """One expiry test's request, prepared before the wait: what it walked, checked and sent, or how it stopped."""

    reached: Reached | None = None
    verdict: Verdict = field(default_factory=Verdict)
    exchanges: list[Exchange] = field(default_factory=list)
    ready_at: float = 0.0  # monotonic time after which the lifetime (and the margin) has passed
    stopped: BaseException | None = None


class Batch:
    """The expiry tests of one session (one worker): prepared together, waited for once, then probed one by one."""

    def __init__(self, target: Target, client: NativeAuthClient, items: list[pytest.Item]) -> None:
        self.target = target
        self.client = client
        self.items = [item for item in items if item.get_closest_marker(MARKER)]
        self.prepared: dict[str, Prepared] = {}
        self.waited = False

    def prepare_all(self) -> None:
        """Prepare every expiry test's request that is not prepared yet (their transcripts kept apart)."""
        for item in self.items:
            if item.nodeid not in self.prepared:
                self.prepared[item.nodeid] = self._prepare(item)

    def _prepare(self, item: pytest.Item) -> Prepared:
        name, prepare = _marker(item)
        lifetime = lifetime_of(self.target, name)
        profile = self.target.profile
        own = tuple(marked_requirements(item))
        found = Prepared(verdict=Verdict(frozenset(profile.expected_deviations), profile.severity, own))
        if lifetime is None:
            return found
        previous = self.client.set_recorder(found.exchanges.append)
        try:
            found.reached = prepare(Kit(self.target, self.client, found.verdict, slow=True))
        except (Exception, pytest.skip.Exception, pytest.fail.Exception) as exc:  # replayed in the test itself
            found.stopped = exc
        finally:
            self.client.set_recorder(previous)
        found.ready_at = time.monotonic() + lifetime + margin(lifetime)
        return found

    def take(self, item: pytest.Item) -> Prepared:
        """The item's prepared request, once the run has waited (once) for every prepared lifetime to pass."""
        self.prepare_all()
        ready = [p.ready_at for p in self.prepared.values() if p.reached is not None]
        if ready and not self.waited:
            self.waited = True
            wait_until(max(ready), len(ready))
        return self.prepared[item.nodeid]


def wait_until(deadline: float, probes: int) -> None:
    """Sleep until `deadline` (monotonic), saying so in one line and then every tenth of the wait."""
    total = deadline - time.monotonic()
    if total <= 0:
        return
    log.info("expiry: waiting %.0f s once for %d expiry probe(s) to pass their lifetimes", total, probes)
    step = max(total / 10, 5.0)
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(step, left))
        if deadline - time.monotonic() > 0:
            log.info("expiry: %.0f s left", deadline - time.monotonic())


Expired = Callable[[], tuple[Reached, str | None]]


def expired(request: pytest.FixtureRequest, kit: Kit, transcript: list[Exchange], batch: Batch) -> Expired:
    """The `expired` fixture's body: `expired()` gives the test's request and the `client-request-id` that sees it
    late (None after a real wait)."""
    name, prepare = _marker(request.node)
    target = kit.target

    def expired() -> tuple[Reached, str | None]:
        lifetime = lifetime_of(target, name)
        if lifetime is None:
            pytest.skip(f"target profile: limits.{LIFETIMES[name]} is not set")
        if target.profile.control_url:
            reached = prepare(kit)
            crid = str(uuid.uuid4())
            slack = CLOCK_SLACK_S if name == "continuation_token" else 0
            target.advance_clock(lifetime + margin(lifetime) + slack, client_request_id=crid)
            return reached, crid
        if not kit.slow:
            reachable(prepare, kit)  # a probe the tenant cannot reach skips for what it lacks, not for --slow
            longest = max(filter(None, (lifetime_of(target, n) for n in LIFETIMES)))
            pytest.skip(f"{SLOW_PREFIX}the run waits once, {longest + margin(longest):.0f} s, for every expiry probe")
        prepared = batch.take(request.node)
        transcript.extend(prepared.exchanges)
        kit.verdict.checked.extend(prepared.verdict.checked)
        kit.verdict.findings.extend(prepared.verdict.findings)
        if prepared.stopped is not None:
            raise prepared.stopped
        assert prepared.reached is not None
        prepared.reached.actor.verdict = kit.verdict
        return prepared.reached, None

    return expired


def batched(config: pytest.Config, target: Target) -> bool:
    """Whether expiry probes of this run are prepared together and waited for once (real time, with --slow)."""
    return bool(config.getoption("--slow")) and not target.profile.control_url


def last(items: list[pytest.Item]) -> None:
    """Run the expiry tests last (stable), so the rest of the run goes on while their lifetimes pass."""
    items.sort(key=lambda item: item.get_closest_marker(MARKER) is not None)
