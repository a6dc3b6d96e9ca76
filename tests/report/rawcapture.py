"""A pytest plugin for the report tests' subprocess (`-p rawcapture`): keeps every raw HTTP body the run exchanged.

It wraps `httpx.Client.send`, so it sees the values on the wire, before any redaction, in every process (xdist
workers included); each process appends JSON lines to `$RAW_CAPTURE_DIR/<pid>.jsonl`, outside the reports directory.
Each process also writes `<controller|gwN>.probe`: its fingerprint of `PROBE`, which shows the redaction key it uses.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.redaction import fingerprint

PROBE = "probe-value-84930217"


def pytest_configure(config: pytest.Config) -> None:
    folder = Path(os.environ["RAW_CAPTURE_DIR"])
    target = folder / f"{os.getpid()}.jsonl"
    process = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    (folder / f"{process}.probe").write_text(fingerprint(PROBE), encoding="utf-8")
    original = httpx.Client.send

    def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = original(self, request, **kwargs)
        response.read()
        entry = {"request": request.content.decode("utf-8", "replace"), "response": response.text}
        with target.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
        return response

    httpx.Client.send = send  # type: ignore[method-assign]
