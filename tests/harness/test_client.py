"""The recording client: pacing, retries on throttling, unreachable targets, correlation ids, redacted transcripts."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from harness_support import CASEY, CASEY_PASSWORD, OTP_APP, PASSWORD_APP, Faults

import conformance.client
from conformance.client import ApiResponse, Exchange, NativeAuthClient, Pacer, TargetUnreachable
from conformance.contract import openapi
from conformance.contract.vocabulary import usage
from conformance.steps import NativeAuthSteps
from conformance.target import Target, free_port

BASE = "http://target.test/contoso.onmicrosoft.com"
START = openapi.path_of("signupStart")
TOKEN = openapi.path_of("token")


class FakeClock:
    """Stands in for the `time` module of conformance.client: sleeping moves the clock and is remembered."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    perf_counter = monotonic

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The client's clock, faked: pacing and Retry-After waits take no real time and can be read back."""
    fake = FakeClock()
    monkeypatch.setattr(conformance.client, "time", fake)
    return fake


def stub_client(handler: Callable[[httpx.Request], httpx.Response], **options: float) -> NativeAuthClient:
    """A client whose target is `handler` (httpx.MockTransport)."""
    return NativeAuthClient(BASE, transport=httpx.MockTransport(handler), **options)


def start(client: NativeAuthClient, crid: str | None = None) -> ApiResponse:
    advertised = usage().advertised("signup", "email_otp")
    form = {"client_id": OTP_APP, "username": f"{uuid.uuid4().hex[:8]}@example.com", "challenge_type": advertised}
    return client.send("signupStart", form, client_request_id=crid)


# Pacing


def test_pacer_spaces_calls_by_the_interval_without_saving_up_idle_time(clock: FakeClock) -> None:
    pacer = Pacer(4)
    for _ in range(4):
        pacer.wait()
    assert clock.sleeps == pytest.approx([0.25, 0.25, 0.25])
    clock.now += 10  # idle: no burst credit accumulates
    pacer.wait()
    pacer.wait()
    assert clock.sleeps[3:] == pytest.approx([0.25])


@pytest.mark.parametrize("rate", [None, 0])
def test_unpaced_client_never_waits(clock: FakeClock, rate: float | None) -> None:
    client = stub_client(lambda request: httpx.Response(200, json={}), requests_per_second=rate)
    for _ in range(3):
        start(client)
    assert clock.sleeps == []


def test_client_requests_leave_at_the_paced_rate(clock: FakeClock) -> None:
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(clock.now)
        return httpx.Response(200, json={"continuation_token": "t"})

    client = stub_client(handler, requests_per_second=5)
    for _ in range(4):
        start(client)
    assert [round(t - sent[0], 6) for t in sent] == [0, 0.2, 0.4, 0.6]


def test_pacing_holds_across_threads_in_real_time() -> None:
    """Four threads sharing one client at 25 requests/s: the last leaves at least 3 intervals after the first."""
    sent: list[float] = []
    client = stub_client(lambda request: sent.append(time.monotonic()) or httpx.Response(200, json={}),
                         requests_per_second=25)
    threads = [threading.Thread(target=start, args=(client,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 4 and max(sent) - min(sent) >= 3 * 0.04 * 0.9


# Retries on throttling


def test_429_is_retried_after_the_seconds_retry_after_says(clock: FakeClock, api: NativeAuthClient,
                                                          faults: Faults) -> None:
    crid = faults(START, {"status": 429, "retry_after": 2}, {"status": 429, "retry_after": 1})
    exchanges: list[Exchange] = []
    api.set_recorder(exchanges.append)
    response = start(api, crid)
    assert response.status == 200 and response.continuation_token
    assert clock.sleeps == [2.0, 1.0]
    assert [(e.status, e.note) for e in exchanges] == [(429, ""), (429, "retry 1"), (200, "retry 2")]


def test_temporarily_unavailable_is_retried_whatever_its_status(clock: FakeClock, api: NativeAuthClient,
                                                               faults: Faults) -> None:
    crid = faults(TOKEN, {"row": "G-token.temporarily_unavailable", "headers": {"Retry-After": "0.5"}})
    response = api.send("token", {"client_id": PASSWORD_APP, "grant_type": "password"}, client_request_id=crid)
    assert clock.sleeps == [0.5]
    assert response.status == 400 and response.error != "temporarily_unavailable"


def test_retries_stop_at_max_retries_returning_the_throttled_answer(clock: FakeClock, mock_target: Target,
                                                                   faults: Faults) -> None:
    crid = faults(START, *[{"status": 429, "retry_after": 1}] * 4)
    client = NativeAuthClient(mock_target.profile.base_url, transport=mock_target.transport, max_retries=2)
    response = start(client, crid)
    assert response.status == 429 and response.error == "temporarily_unavailable"
    assert clock.sleeps == [1.0, 1.0]
    control = mock_target.control()
    assert control is not None
    with control:
        queued = control.get("/_mock/faults").json()["faults"]
    assert [len(q["responses"]) for q in queued if q["client_request_id"] == crid] == [1]


def test_a_retry_after_beyond_the_maximum_is_cut_to_the_maximum(clock: FakeClock, mock_target: Target,
                                                                faults: Faults) -> None:
    """The client never waits longer than `max_retry_after_s`: it waits that long, then retries."""
    crid = faults(START, {"status": 429, "retry_after": 3600})
    client = NativeAuthClient(mock_target.profile.base_url, transport=mock_target.transport, max_retry_after_s=5)
    assert start(client, crid).status == 200
    assert clock.sleeps == [5.0]


def test_throttling_without_a_usable_retry_after_waits_one_second(clock: FakeClock) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, json={}),
                    httpx.Response(200, json={"continuation_token": "t"})])
    assert start(stub_client(lambda request: next(answers))).status == 200
    assert clock.sleeps == [1.0]


def test_other_errors_are_not_retried(clock: FakeClock, api: NativeAuthClient, faults: Faults) -> None:
    crid = faults(START, {"row": "E1.user_already_exists", "headers": {"Retry-After": "1"}})
    assert start(api, crid).error == "user_already_exists"
    assert clock.sleeps == []


# Unreachable targets


def test_an_unreachable_host_is_one_line_naming_it() -> None:
    port = free_port()
    exchanges: list[Exchange] = []
    client = NativeAuthClient(f"http://127.0.0.1:{port}/tenant", recorder=exchanges.append, timeout_s=5)
    with pytest.raises(TargetUnreachable) as caught:
        start(client)
    client.close()
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "\n" not in message
    assert len(exchanges) == 1 and exchanges[0].status is None and exchanges[0].note


# Correlation ids


def test_the_client_request_id_is_sent_and_exposed(api: NativeAuthClient) -> None:
    response = start(api, "11111111-2222-4333-8444-555555555555")
    assert response.client_request_id == "11111111-2222-4333-8444-555555555555"
    assert response.headers["client-request-id"] == response.client_request_id


def test_a_fresh_client_request_id_is_made_for_each_request() -> None:
    seen: list[str] = []
    client = stub_client(lambda request: seen.append(request.headers["client-request-id"]) or httpx.Response(200))
    responses = [start(client), start(client)]
    assert [r.client_request_id for r in responses] == seen
    assert len(set(seen)) == 2 and all(uuid.UUID(crid) for crid in seen)


# Redaction at record time


def test_transcripts_never_hold_secrets_in_clear(mock_target: Target, api: NativeAuthClient) -> None:
    """A sign-up by code and a sign-in by password then refresh: no code, password or token is recorded in clear."""
    exchanges: list[Exchange] = []
    api.set_recorder(exchanges.append)
    secrets: set[str] = {CASEY_PASSWORD}

    def kept(response: ApiResponse) -> ApiResponse:
        secrets.update(str(response.json[key]) for key in
                       ("continuation_token", "access_token", "refresh_token", "id_token") if key in response.json)
        return response

    otp = NativeAuthSteps(api, OTP_APP)
    address = mock_target.new_address()
    started = otp.signup_start(address, attributes={"displayName": "Jo"})
    token = kept(started).continuation_token
    mark = mock_target.otp.mark(address)
    token = kept(otp.signup_challenge(token)).continuation_token
    code = mock_target.otp.fetch(address, after=mark, code_length=8, timeout=5)
    secrets.add(code)
    assert kept(otp.signup_continue(token, "oob", oob=code)).status == 200

    basic = NativeAuthSteps(api, PASSWORD_APP)
    token = kept(basic.signin_initiate(CASEY)).continuation_token
    token = kept(basic.signin_challenge(token)).continuation_token
    tokens = kept(basic.token(token, "password", password=CASEY_PASSWORD))
    assert {"access_token", "refresh_token", "id_token"} <= tokens.json.keys()
    kept(basic.refresh(tokens.json["refresh_token"]))

    recorded = json.dumps([exchange.as_dict() for exchange in exchanges])
    assert len(exchanges) == 7 and len(secrets) >= 10
    assert [secret for secret in secrets if secret in recorded] == []
    assert "…#" in exchanges[2].request_form["oob"] and "…#" in exchanges[5].request_form["password"]
