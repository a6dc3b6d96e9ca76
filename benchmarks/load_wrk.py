"""Load from wrk (Debian's package, a native generator that is not the bottleneck) through the scripts in `wrk/`.

Every script ends with `wrk/report.lua`, whose `done` prints one `WRK_RESULT {json}` line; `run` returns it parsed.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).with_name("wrk")


class LoadError(RuntimeError):
    """wrk is missing or a run produced no result (the message is one line)."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """One wrk run: completed requests, wall seconds, failures, latency percentiles (ms), completed flows."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    flows: int = 0
    failed_flows: int = 0

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    def as_dict(self) -> dict[str, float]:
        """JSON form (with the rate)."""
        return {**{name: getattr(self, name) for name in self.__slots__}, "rate": self.rate}


def wrk_path() -> str:
    """The wrk executable; LoadError with the install hint when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise LoadError("wrk not found: install Debian's package (apt-get install wrk)")
    return found


def wrk_version() -> str:
    """What `wrk -v` says of itself (first line)."""
    completed = subprocess.run([wrk_path(), "-v"], capture_output=True, text=True, check=False)
    return (completed.stdout or completed.stderr).splitlines()[0].split(" Copyright")[0]


def run(url: str, script: str, *args: str, connections: int, seconds: float, threads: int = 1) -> LoadResult:
    """Run `wrk -t THREADS -c CONNECTIONS -d SECONDS -s wrk/SCRIPT URL -- ARGS` and parse its result line."""
    command = [
        wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{max(1, math.ceil(seconds))}s", "--timeout", "10s",
        "-s", str(SCRIPTS / script), url, "--", *args,
    ]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    except subprocess.TimeoutExpired:
        raise LoadError(f"wrk {script} did not finish within {seconds + 60:.0f} s") from None
    line = next((line for line in completed.stdout.splitlines() if line.startswith("WRK_RESULT ")), None)
    if line is None:
        problem = (completed.stderr or completed.stdout).strip().splitlines()
        raise LoadError(f"wrk {script} printed no result: {problem[-1] if problem else f'exit {completed.returncode}'}")
    data = json.loads(line.removeprefix("WRK_RESULT "))
    latency, errors = data["latency_us"], data["errors"]
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=sum(errors.values()),
        p50_ms=latency["p50"] / 1000,
        p99_ms=latency["p99"] / 1000,
        p999_ms=latency["p999"] / 1000,
        max_ms=latency["max"] / 1000,
        flows=data.get("flows", 0),
        failed_flows=data.get("failed_flows", 0),
    )
