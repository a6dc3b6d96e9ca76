"""A pytest plugin for the report tests' subprocess (`-p rawcapture`): keeps every raw secret the run handled.

It sees the values before any redaction, in every process (xdist workers included), independently of the redactor:
it wraps `httpx.Client.send` (every HTTP body the run exchanged, by any client: the suites', the OTP source's, the
fuzzer's), the mock's OTP generation (every code it issued, fetched or not) and `Secret.reveal` (every password read
from the environment or the mock's seed). Each process appends JSON lines to `$RAW_CAPTURE_DIR/<pid>.jsonl`, outside
the reports directory. Each process also writes `<controller|gwN>.probe`: its fingerprint of `PROBE`, which shows the
redaction key it uses.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.mock.state import MockState
from conformance.profile import Secret
from conformance.redaction import fingerprint

PROBE = "probe-value-84930217"


def pytest_configure(config: pytest.Config) -> None:
    folder = Path(os.environ["RAW_CAPTURE_DIR"])
    target = folder / f"{os.getpid()}.jsonl"
    process = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    (folder / f"{process}.probe").write_text(fingerprint(PROBE), encoding="utf-8")

    def keep(entry: dict[str, Any]) -> None:
        with target.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    send, send_otp, reveal = httpx.Client.send, MockState.send_otp, Secret.reveal

    def capturing_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = send(self, request, **kwargs)
        response.read()
        fuzz = "schemathesis" in request.headers.get("user-agent", "").lower()
        keep({"request": request.content.decode("utf-8", "replace"), "response": response.text, "fuzz": fuzz})
        return response

    def capturing_send_otp(self: MockState, *args: Any, **kwargs: Any) -> Any:
        otp = send_otp(self, *args, **kwargs)
        keep({"code": otp.code})
        return otp

    def capturing_reveal(self: Secret) -> str:
        value = reveal(self)
        keep({"revealed": value})
        return value

    httpx.Client.send = capturing_send  # type: ignore[method-assign]
    MockState.send_otp = capturing_send_otp  # type: ignore[method-assign]
    Secret.reveal = capturing_reveal  # type: ignore[method-assign]
