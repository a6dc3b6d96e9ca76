"""Open a target for a run: the embedded mock (in-process or over loopback HTTP) or a profile's real tenant."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx
import uvicorn

from conformance.client import NativeAuthClient
from conformance.contract import openapi
from conformance.otp import OtpSource, otp_source_from_profile
from conformance.profile import TargetProfile, load_profile, mock_profile
from conformance.transport import InProcessTransport

if TYPE_CHECKING:
    from starlette.applications import Starlette

EMBEDDED = "mock"
EMBEDDED_HTTP = "mock-http"
IN_PROCESS_ORIGIN = "http://mock.embedded"  # where the in-process mock is reached (no socket: any origin will do)


class SignupWatch:
    """Follows every sign-up flow through its continuation tokens and notes the addresses a sign-up was started for
    and the accounts whose sign-up completed (E3 `signupContinue` answered 200, api-reference.md §2.1), for
    cleaning a real tenant afterwards."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.created: list[str] = []
        self._flows: dict[str, str] = {}  # continuation token → the username its sign-up began with (one run's worth)
        self._lock = threading.Lock()

    def observe(self, request: httpx.Request, response: httpx.Response | None) -> None:
        """A client observer: see one exchange."""
        operation = openapi.operation_at(request.url.path)
        if response is None or operation is None or operation.family != "signup":
            return
        form = dict(parse_qsl(request.content.decode("utf-8", "replace")))
        try:
            body = response.json()
        except ValueError:
            body = None
        issued = body.get("continuation_token") if isinstance(body, dict) else None
        with self._lock:
            begun = operation.operation_id == "signupStart"
            username = form.get("username") if begun else self._flows.get(form.get("continuation_token", ""))
            if begun and username:
                self.started.append(username)
            if username and isinstance(issued, str):
                self._flows[issued] = username
            if username and operation.operation_id == "signupContinue" and response.status_code == 200:
                self.created.append(username)


@dataclass
class Target:
    """Everything a run needs to talk to one target."""

    label: str
    profile: TargetProfile
    transport: httpx.BaseTransport | None
    otp: OtpSource
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    signups: SignupWatch = field(default_factory=SignupWatch)
    _serial: Iterator[int] = field(default_factory=itertools.count)

    @property
    def created(self) -> list[str]:
        """The accounts whose sign-up completed, in order (of the clients this target handed out)."""
        return self.signups.created

    @property
    def attempted(self) -> list[str]:
        """The addresses a sign-up was started for, in order (completed or not)."""
        return self.signups.started

    def client(self) -> NativeAuthClient:
        """A client paced and retried as the profile says, whose completed sign-ups this target notes."""
        client = profile_client(self.profile, transport=self.transport)
        client.observers.append(self.signups.observe)
        return client

    def new_address(self) -> str:
        """A sign-up address unique to this run (the profile's template)."""
        return self.profile.signup.address(f"{self.run_id}-{next(self._serial)}")

    def control(self) -> httpx.Client | None:
        """An HTTP client for the target's clock/outbox control API, when the profile names one (mocks only)."""
        if not self.profile.control_url:
            return None
        return httpx.Client(base_url=self.profile.control_url, transport=self.transport, timeout=10)

    def advance_clock(self, seconds: float, *, client_request_id: str | None = None) -> bool:
        """Move the target's clock forward when it has a control API; False when it has none.

        With `client_request_id`, only requests sending that id see the moved clock (the rest of the run,
        including concurrent workers, keeps real time)."""
        control = self.control()
        if control is None:
            return False
        body: dict[str, object] = {"advance_seconds": seconds}
        if client_request_id:
            body["client_request_id"] = client_request_id
        with control:
            control.post("/_mock/clock", json=body).raise_for_status()
        return True

    def waiter(self) -> Callable[[float], str | None]:
        """Time passing for one series of requests: `wait(seconds)` returns the `client-request-id` to send them with.

        On a target with clock control the clock moves for that id only; elsewhere the wait is real (None returned)."""
        crid = str(uuid.uuid4())

        def wait(seconds: float) -> str | None:
            if self.advance_clock(seconds, client_request_id=crid):
                return crid
            time.sleep(seconds)
            return None

        return wait


def profile_client(profile: TargetProfile, *, transport: httpx.BaseTransport | None = None) -> NativeAuthClient:
    """A client for the profile's target, paced and retried as its `[pacing]` says."""
    pacing = profile.pacing
    return NativeAuthClient(
        profile.base_url,
        transport=transport,
        requests_per_second=pacing.requests_per_second,
        max_retries=pacing.max_retries,
        max_retry_after_s=pacing.max_retry_after_s,
        timeout_s=pacing.request_timeout_s,
    )


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mock_app(deviations: tuple[str, ...], origin: str | None = None) -> Starlette:
    """The embedded mock tenant reached at `origin` (None: the address it is served at), with the named deviations
    switched on (they survive `/_mock/reset`)."""
    from conformance.mock.app import create_app
    from conformance.mock.config import load_tenant

    tenant = load_tenant()
    deviating = dataclasses.replace(tenant, deviations=tuple(dict.fromkeys((*tenant.deviations, *deviations))))
    return create_app(deviating, origin=origin)


@contextlib.contextmanager
def serve_app(app: Starlette, name: str = "conformance-mock") -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port in a thread; yields its origin."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{name} did not start on 127.0.0.1:{port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def target_for(profile: TargetProfile, transport: httpx.BaseTransport | None, label: str) -> Iterator[Target]:
    """A target for `profile` reached through `transport` (None: the network), with the OTP source it names."""
    with httpx.Client(transport=transport, timeout=10) as otp_http:
        otp = otp_source_from_profile(profile, http_client=otp_http)
        yield Target(label=label, profile=profile, transport=transport, otp=otp)


@contextlib.contextmanager
def mock_target(origin: str, transport: httpx.BaseTransport | None = None, label: str = EMBEDDED) -> Iterator[Target]:
    """The embedded mock's bundled tenant reached at `origin` (through `transport`, e.g. in-process, else the network)
    as a target: its profile, its outbox as OTP source."""
    with target_for(mock_profile(f"{origin}/contoso.onmicrosoft.com", origin), transport, label) as target:
        yield target


@contextlib.contextmanager
def open_target(spec: str, deviations: tuple[str, ...] = ()) -> Iterator[Target]:
    """Open `mock` (in-process), `mock-http` (loopback HTTP) or a target profile path.

    `deviations` names mock deviations to switch on (the suites' self-test); only the embedded mock has them."""
    if deviations and spec not in (EMBEDDED, EMBEDDED_HTTP):
        raise ValueError(f"mock deviations need the embedded mock (--target {EMBEDDED} or {EMBEDDED_HTTP}), not {spec}")
    with contextlib.ExitStack() as stack:
        if spec == EMBEDDED:
            in_process = InProcessTransport(_mock_app(deviations, IN_PROCESS_ORIGIN))
            stack.callback(in_process.shutdown)
            yield stack.enter_context(mock_target(IN_PROCESS_ORIGIN, in_process))
        elif spec == EMBEDDED_HTTP:
            origin = stack.enter_context(serve_app(_mock_app(deviations)))
            yield stack.enter_context(mock_target(origin, label=EMBEDDED_HTTP))
        else:
            yield stack.enter_context(target_for(load_profile(Path(spec)), None, spec))
