"""Server benchmark: the mock tenant against a bare Starlette endpoint and Stoplight Prism 5, loaded by wrk.

    .venv/bin/python benchmarks/server_load.py [--seconds 8] [--runs 5] [--connections 32] [--rss-requests 1000000]
                                                [--no-prism] [--json FILE]

Every server gets the same request, a form-encoded `POST` to E1 (`signupStart`, under the authority) for the bundled
tenant's email-OTP app, from `wrk -t1` with keep-alive connections. The bare endpoint and the mock run under plain
uvicorn with the same arguments (one process, log level warning, the HTTP parser and event loop uvicorn picks: the
httptools and uvloop the project pins); Prism 5 serves a one-endpoint spec with a static example, logging warnings
only, like the other two.
One long-lived mock process takes every run, so growth shows: RSS after 10,000 requests, after each run, and after
`--rss-requests` requests, then one more run. Complete sign-up flows (E1, E2, the OTP read from `GET /_mock/outbox`,
E3, E6) measure flows per second. Runs alternate between the servers so a noisy neighbour hurts all alike; the load
average and each server's CPU time per request are printed beside the figures, which are indicative when other work
shares the cores. Prism is installed once by `npm ci` into benchmarks/prism/node_modules (git-ignored).

Prints one table and the goals of issue 16; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version

import load_servers
import load_wrk
from load_servers import Server, ServerError
from load_wrk import LoadError, LoadResult

from conformance.contract import openapi

PATH = "/contoso.onmicrosoft.com" + openapi.path_of("signupStart")
#: The paths `signup_flow.lua` posts to, after its run nonce: E1, E2, E3, E6.
FLOW_PATHS = tuple(openapi.path_of(op) for op in ("signupStart", "signupChallenge", "signupContinue", "token"))
FORM = "client_id=22223333-cccc-4444-dddd-5555eeee6666&challenge_type=oob%20redirect&username=bench%40example.com"
FLOW_REQUESTS = 5  # E1, E2, outbox, E3, E6


@dataclass
class Row:
    """One run against one server, with what the server's process looked like after it."""

    server: str
    label: str
    result: LoadResult
    rss_mb: float
    cpu_us_per_request: float
    served_before: int


@dataclass
class Tracked:
    """A server and the requests it has served so far."""

    server: Server
    served: int = 0
    rows: list[Row] = field(default_factory=list)

    def load(self, label: str, script: str, *args: str, connections: int, seconds: float, url: str = "") -> Row:
        """One wrk run; records the row (RSS and CPU per request measured around it)."""
        cpu = self.server.cpu_seconds()
        result = load_wrk.run(url or self.server.origin + PATH, script, *args, connections=connections, seconds=seconds)
        row = Row(
            self.server.name, label, result, self.server.rss_mb(),
            (self.server.cpu_seconds() - cpu) * 1e6 / max(result.requests, 1), self.served,
        )
        self.served += result.requests
        self.rows.append(row)
        return row

    def serve_until(self, total: int, rate: float, connections: int) -> None:
        """Send static form requests until the server has served `total` requests in all (chunks of at most 60 s)."""
        while self.served < total:
            remaining = total - self.served
            seconds = min(60.0, remaining / max(rate, 1.0) * 1.2 + 1)
            result = load_wrk.run(  # one wrk thread: it stops after `remaining` responses
                self.server.origin + PATH, "form_post.lua", FORM, str(remaining), connections=connections,
                seconds=seconds,
            )
            if result.requests == 0:
                raise LoadError(f"{self.server.name} served nothing while filling to {total:,} requests")
            self.served += result.requests
            rate = result.rate
            print(f"  {self.server.name}: {self.served:,} of {total:,} requests served", flush=True)


def http_stack() -> str:
    """The HTTP parser and event loop uvicorn's `auto` settings pick in the servers' environment (this one)."""
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{parser}, {'uvloop' if importlib.util.find_spec('uvloop') else 'asyncio'}"


def load_average() -> str:
    """The 1-minute load average (other work sharing the cores shows here)."""
    return f"{os.getloadavg()[0]:.1f}"


def print_rows(rows: list[Row]) -> None:
    """The run table."""
    print(f"{'server':<16}{'run':<14}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}"
          f"{'max ms':>9}{'errors':>8}{'CPU us/req':>11}{'RSS MiB':>9}{'served before':>15}")
    for row in rows:
        r = row.result
        print(f"{row.server:<16}{row.label:<14}{r.requests:>10,}{r.rate:>9,.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
              f"{r.p999_ms:>10.2f}{r.max_ms:>9.1f}{r.errors:>8}{row.cpu_us_per_request:>11.0f}{row.rss_mb:>9.1f}"
              f"{row.served_before:>15,}")


def goal(name: str, figure: float, limit: float, at_least: bool, cpu: float | None = None) -> tuple[str, ...]:
    """One line of the goals table; `cpu`, for a throughput goal, is the same ratio from CPU time per request (what
    each server costs, whatever else shares the cores)."""
    met = figure >= limit if at_least else figure <= limit
    also = f"(by CPU per request: {cpu:.2f}x)" if cpu is not None else ""
    return name, f"{figure:.2f}x", f"{'>=' if at_least else '<='} {limit:g}x", "met" if met else "NOT met", also


def cpu_median(rows: list[Row]) -> float:
    """Median server CPU microseconds per request over runs."""
    return statistics.median(row.cpu_us_per_request for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each timed run (default 8)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per server (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--rss-requests", type=int, default=1_000_000,
                        help="requests the mock serves before the last RSS reading (default 1,000,000)")
    parser.add_argument("--no-prism", action="store_true", help="leave out the Prism comparison")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    args = parser.parse_args()
    conn, seconds = args.connections, args.seconds
    try:
        print(f"server_load: {load_wrk.wrk_version()} -t1 -c{conn} -d{seconds:g}s per run; python "
              f"{platform.python_version()}, uvicorn {version('uvicorn')} ({http_stack()}), starlette "
              f"{version('starlette')}; {os.cpu_count()} CPUs, load average {load_average()} at start")
        print(f"request: POST {PATH} ({FORM.replace('%20', ' ').replace('%40', '@')})", flush=True)
        servers = {"bare": Tracked(load_servers.start_bare()), "mock": Tracked(load_servers.start_mock())}
    except (LoadError, ServerError) as exc:
        print(f"server_load: {exc}", file=sys.stderr)
        return 1
    prism_note = ""
    if not args.no_prism:
        try:
            servers["prism"] = Tracked(load_servers.start_prism())
            servers["prism"].server.name = f"Prism {load_servers.prism_version()}"
        except ServerError as exc:
            prism_note = f"Prism not measured: {exc}"
    try:
        return measure(servers, args, prism_note)
    except (LoadError, ServerError) as exc:
        print(f"server_load: {exc}", file=sys.stderr)
        return 1
    finally:
        for tracked in servers.values():
            tracked.server.stop()


def measure(servers: dict[str, Tracked], args: argparse.Namespace, prism_note: str) -> int:
    """Warm up, alternate the timed runs, run flows, fill the mock, and print the table and the goals."""
    conn, seconds = args.connections, args.seconds
    start_load = os.getloadavg()[0]
    mock = servers["mock"]
    for tracked in servers.values():  # warm-up: 10,000 requests each (the mock's RSS is read after them)
        tracked.serve_until(10_000, 2000, conn)
    rss_10k = mock.server.rss_mb()
    for index in range(1, args.runs + 1):
        for tracked in servers.values():
            tracked.load(f"run {index}", "form_post.lua", FORM, connections=conn, seconds=seconds)
    nonce = f"{int(time.time()) & 0xFFFFFF:06x}"
    flows = mock.load("flows", "signup_flow.lua", nonce, *FLOW_PATHS, connections=conn, seconds=seconds,
                      url=mock.server.origin)
    rate = statistics.median(row.result.rate for row in mock.rows if row.label.startswith("run"))
    print(f"filling the mock to {args.rss_requests:,} requests (about {args.rss_requests / rate / 60:.0f} min)",
          flush=True)
    mock.serve_until(args.rss_requests, rate, conn)
    rss_filled = mock.server.rss_mb()
    served_filled = mock.served
    for name in ("bare", "mock"):
        servers[name].load("after fill", "form_post.lua", FORM, connections=conn, seconds=seconds)
    busy = start_load if start_load > 1 else 0.0  # before the first load: the servers idle, only others' work counts
    print(f"\nload average {load_average()} at end\n")
    print_rows([row for tracked in servers.values() for row in tracked.rows if row.label != "flows"])
    f = flows.result
    print(f"\ncomplete sign-up flows against the same mock process ({FLOW_REQUESTS} requests each: E1, E2, "
          f"GET /_mock/outbox, E3, E6), {conn} connections, {f.seconds:.1f} s:\n"
          f"  {f.flows / f.seconds:,.0f} flows/s ({f.flows:,} completed, {f.failed_flows} failed); "
          f"requests p50 {f.p50_ms:.2f} ms, p99 {f.p99_ms:.2f} ms, p99.9 {f.p999_ms:.2f} ms")
    print(f"\nmock RSS: {rss_10k:.1f} MiB after 10,000 requests, {rss_filled:.1f} MiB after {served_filled:,}")
    if prism_note:
        print(prism_note)
    runs = {name: [row for row in servers[name].rows if row.label.startswith("run")] for name in servers}
    pairs = list(zip(runs["bare"], runs["mock"], strict=True))
    lines = [
        goal("mock / bare req/s, median of runs",
             statistics.median(m.result.rate / b.result.rate for b, m in pairs), 0.6, True,
             cpu_median(runs["bare"]) / cpu_median(runs["mock"])),
        goal("mock / bare p99, worst run", max(m.result.p99_ms / b.result.p99_ms for b, m in pairs), 3, False),
        goal(f"mock RSS after {served_filled:,} / after 10,000", rss_filled / rss_10k, 1.5, False),
    ]
    if "prism" in runs:
        prism_rate = statistics.median(row.result.rate for row in runs["prism"])
        mock_rate = statistics.median(row.result.rate for row in runs["mock"])
        lines.append(goal("mock / Prism req/s, medians", mock_rate / prism_rate, 2, True,
                          cpu_median(runs["prism"]) / cpu_median(runs["mock"])))
    print("\ngoals (issue 16)")
    width = max(len(line[0]) for line in lines) + 2
    for name, figure, limit, met, also in lines:
        print(f"  {name:<{width}}{figure:>8}   goal {limit:<8} {met:<9}{also}")
    if busy:
        print(f"\nthe load average was {busy:.1f} on {os.cpu_count()} CPUs before the first run: other work shared the "
              "cores, so req/s and latency are indicative; CPU per request is each server's own cost")
    if args.json:
        document = {
            "rows": [{"server": r.server, "run": r.label, **r.result.as_dict(), "rss_mb": r.rss_mb,
                      "cpu_us_per_request": r.cpu_us_per_request, "served_before": r.served_before}
                     for tracked in servers.values() for r in tracked.rows],
            "rss_mb": {"10000": rss_10k, str(served_filled): rss_filled},
            "goals": [dict(zip(("goal", "figure", "limit", "verdict", "by_cpu"), line, strict=True)) for line in lines],
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
