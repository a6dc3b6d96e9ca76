"""Mock-tenant throughput: complete sign-up and sign-in flows per second and p50/p99 step latency with N concurrent
clients against uvicorn in a subprocess, beside the same load on a bare Starlette JSON endpoint served the same way.

Usage: .venv/bin/python benchmarks/mock_throughput.py [--clients 32] [--seconds 5]
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

BASE = "/contoso.onmicrosoft.com"
OTP_APP = "22223333-cccc-4444-dddd-5555eeee6666"
STEPS_PER_FLOW = 5


def bare_app():
    """A Starlette app with one POST endpoint that reads a form and answers a small JSON body."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def echo(request: Request) -> JSONResponse:
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        return JSONResponse({"continuation_token": "x" * 64, "fields": len(form)})

    return Starlette(routes=[Route("/echo", echo, methods=["POST"])])


def serve(kind: str, port: int) -> None:
    """Subprocess entry: serve the mock (no access log) or the bare app on 127.0.0.1:port."""
    import uvicorn

    if kind == "mock":
        from conformance.mock import create_app

        app = create_app()
    else:
        app = bare_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off", ws="none")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(kind: str) -> tuple[subprocess.Popen, str]:
    """Start a server subprocess and wait until it answers."""
    port = free_port()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(port)], env=env)
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(origin + "/", timeout=0.5)
            return process, origin
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{kind} server did not start")


class Recorder:
    """Latencies per step name and completed flows per kind."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.flows: dict[str, int] = defaultdict(int)

    async def post(self, client: httpx.AsyncClient, step: str, path: str, **form: str) -> dict:
        began = time.perf_counter()
        response = await client.post(path, data=form)
        self.latency[step].append(time.perf_counter() - began)
        if response.status_code != 200:
            raise RuntimeError(f"{step}: {response.status_code} {response.text[:200]}")
        return response.json()

    async def code(self, client: httpx.AsyncClient, email: str) -> str:
        began = time.perf_counter()
        messages = (await client.get("/_mock/outbox", params={"to": email})).json()["messages"]
        self.latency["outbox (control)"].append(time.perf_counter() - began)
        return messages[-1]["code"]


async def signup(rec: Recorder, client: httpx.AsyncClient) -> str:
    email = f"bench-{uuid.uuid4().hex}@example.com"
    body = await rec.post(client, "E1 signup/start", BASE + "/signup/v1.0/start", client_id=OTP_APP,
                          challenge_type="oob redirect", username=email, attributes=json.dumps({"displayName": "B"}))
    body = await rec.post(client, "E2 signup/challenge", BASE + "/signup/v1.0/challenge", client_id=OTP_APP,
                          continuation_token=body["continuation_token"])
    body = await rec.post(client, "E3 signup/continue", BASE + "/signup/v1.0/continue", client_id=OTP_APP,
                          continuation_token=body["continuation_token"], grant_type="oob",
                          oob=await rec.code(client, email))
    await rec.post(client, "E6 token (continuation)", BASE + "/oauth2/v2.0/token", client_id=OTP_APP,
                   continuation_token=body["continuation_token"], grant_type="continuation_token", scope="openid")
    rec.flows["sign-up"] += 1
    return email


async def signin(rec: Recorder, client: httpx.AsyncClient, email: str) -> None:
    body = await rec.post(client, "E4 initiate", BASE + "/oauth2/v2.0/initiate", client_id=OTP_APP,
                          challenge_type="oob redirect", username=email)
    body = await rec.post(client, "E5 challenge", BASE + "/oauth2/v2.0/challenge", client_id=OTP_APP,
                          continuation_token=body["continuation_token"])
    await rec.post(client, "E6 token (oob)", BASE + "/oauth2/v2.0/token", client_id=OTP_APP,
                   continuation_token=body["continuation_token"], grant_type="oob", scope="openid",
                   oob=await rec.code(client, email))
    rec.flows["sign-in"] += 1


async def bare_flow(rec: Recorder, client: httpx.AsyncClient) -> None:
    for _ in range(STEPS_PER_FLOW):
        await rec.post(client, "POST /echo", "/echo", client_id=OTP_APP, continuation_token="x" * 64)
    rec.flows["bare 5-step"] += 1


async def load(origin: str, clients: int, seconds: float, kind: str) -> tuple[Recorder, float]:
    """Run `clients` concurrent loops for `seconds`; each loop repeats one sign-up + one sign-in (or a bare flow).

    Each simulated user has its own httpx client (one keep-alive connection): a single shared pool of 32 connections
    makes httpx's pool the bottleneck and measures the load generator instead of the server.
    """
    rec = Recorder()
    pool = [httpx.AsyncClient(base_url=origin, timeout=30) for _ in range(clients)]
    await asyncio.gather(*(client.get("/") for client in pool))  # connections open before the clock starts
    stop = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop:
            if kind == "mock":
                await signin(rec, client, await signup(rec, client))
            else:
                await bare_flow(rec, client)

    began = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in pool))
    elapsed = time.perf_counter() - began
    await asyncio.gather(*(client.aclose() for client in pool))
    return rec, elapsed


def pct(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds."""
    if len(values) < 2:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def report(title: str, rec: Recorder, elapsed: float) -> None:
    every = [v for values in rec.latency.values() for v in values]
    print(f"\n{title}  ({elapsed:.1f} s)")
    for kind, count in rec.flows.items():
        print(f"  {kind:<26} {count / elapsed:8.1f} flows/s  ({count} flows)")
    print(f"  {'all requests':<26} {len(every) / elapsed:8.1f} req/s    p50 {pct(every, 50):6.2f} ms  "
          f"p99 {pct(every, 99):6.2f} ms")
    for step, values in rec.latency.items():
        print(f"    {step:<24} n={len(values):<6} p50 {pct(values, 50):6.2f} ms  p99 {pct(values, 99):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.clients} concurrent clients, "
          f"{args.seconds:g} s per run; servers: uvicorn (h11) in a subprocess, one worker")
    for kind, title in (("mock", "mock tenant: OTP sign-up + OTP sign-in"), ("bare", "bare Starlette JSON endpoint")):
        process, origin = start(kind)
        try:
            rec, elapsed = asyncio.run(load(origin, args.clients, args.seconds, kind))
            report(title, rec, elapsed)
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
