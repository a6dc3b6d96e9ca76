"""The servers the benchmark loads, each in its own process: the bare Starlette endpoint and the mock under plain
uvicorn (log level warning, no lifespan), and Stoplight Prism 5 for comparison; RSS and CPU time read from /proc.

Run as a script (`load_servers.py bare PORT`) it serves the bare endpoint exactly as `conformance mock serve` serves the
mock: the same `uvicorn.run` arguments.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRISM_DIR = HERE / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
PRISM_SPEC = PRISM_DIR / "signup-start.openapi.yaml"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """A server that could not be installed or started (the message is one line)."""


@dataclass
class Server:
    """A server process listening on 127.0.0.1."""

    name: str
    process: subprocess.Popen[bytes]
    origin: str

    def rss_mb(self) -> float:
        """Resident set size now, in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise ServerError(f"{self.name}: no VmRSS in /proc/{self.process.pid}/status")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def stop(self) -> None:
        """Terminate the process (kill it if it does not exit within 10 s)."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(name: str, command: list[str], port: int, *, timeout_s: float = 60, cwd: Path = ROOT) -> Server:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]), "SCARF_ANALYTICS": "false"}
    with tempfile.TemporaryFile() as log:  # the server's own messages, read only when it fails to start
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                last = (log.read().decode(errors="replace").strip().splitlines() or ["(no output)"])[-1]
                raise ServerError(f"{name} exited with {process.returncode} at start: {last}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return Server(name, process, f"http://127.0.0.1:{port}")
            time.sleep(0.05)
    process.kill()
    raise ServerError(f"{name} did not listen on 127.0.0.1:{port} within {timeout_s:.0f} s")


def start_bare() -> Server:
    """The bare Starlette endpoint (`bare_app.py`) under uvicorn."""
    port = free_port()
    return _start("bare Starlette", [sys.executable, str(Path(__file__).resolve()), "bare", str(port)], port)


def start_mock() -> Server:
    """The mock tenant as its users run it: `conformance mock serve --log-level warning`."""
    port = free_port()
    command = [
        sys.executable, "-c", "from conformance.cli import main; main()",
        "mock", "serve", "--port", str(port), "--log-level", "warning",
    ]
    return _start("mock", command, port)


def install_prism() -> None:
    """`npm ci` the Prism that benchmarks/prism/package-lock.json pins into benchmarks/prism/node_modules."""
    if PRISM_BIN.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ServerError("npm not found: Prism needs Node.js 20+ and npm")
    print(f"installing Stoplight Prism into {PRISM_DIR.relative_to(ROOT)}/node_modules (npm ci, once)", flush=True)
    completed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=PRISM_DIR, capture_output=True, text=True,
        env={**os.environ, "SCARF_ANALYTICS": "false"}, check=False,
    )
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or [f"exit {completed.returncode}"])[-1]
        raise ServerError(f"npm ci for Prism failed: {last}")


def start_prism() -> Server:
    """Prism 5 serving the one-endpoint spec with its static example (`prism mock -v warn`)."""
    install_prism()
    port = free_port()
    command = [str(PRISM_BIN), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn", str(PRISM_SPEC)]
    return _start("Prism", command, port, cwd=PRISM_DIR)


def prism_version() -> str:
    """The installed Prism version."""
    completed = subprocess.run([str(PRISM_BIN), "--version"], capture_output=True, text=True, check=False)
    return completed.stdout.strip() or "?"


def _serve_bare(port: int) -> None:
    import uvicorn
    from bare_app import app

    from conformance.mock.cli import listen

    # What `conformance mock serve --log-level warning` does (conformance/mock/cli.py), with the bare app.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none")
    uvicorn.Server(config).run(sockets=[listen("127.0.0.1", port)])


if __name__ == "__main__":
    if sys.argv[1:2] != ["bare"] or len(sys.argv) != 3:
        sys.exit("usage: load_servers.py bare PORT")
    _serve_bare(int(sys.argv[2]))
