"""The fault matrix: a target answering broken HTTP, on a real socket (`faulty_target.py`), never crashes or hangs
the harness. Each fault is either the target's answer with the reason it is not one JSON object (which the checks
fail), or `TargetUnreachable`: one line, a problem of the run, within the request timeout whatever the target does.
The same matrix through a whole `conformance run` is checked at the end: one reason per test, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faulty_target import FAULTS, FaultyTarget, faulty_target

from conformance.client import MAX_BODY_BYTES, NativeAuthClient, TargetUnreachable
from conformance.contract.paths import REPO_ROOT

Connect = Callable[[str], tuple[NativeAuthClient, list, float]]
TIMEOUT_S = 2.0
#: Far below what an unbounded exchange would take (the drips last a minute), far above the timeout plus scheduling.
HANG = TIMEOUT_S + 20
FORM = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "username": "qa@example.com", "challenge_type": "redirect"}

ANSWERED = {
    "html": (200, "response body is not JSON (text/html, 73 bytes: '<!DOCTYPE html><html><body><h1>Sign in"),
    "empty": (200, "response body is empty"),
    "no-content": (204, "response body is empty"),
    "redirect": (302, "HTTP 302 redirect to https://login.elsewhere.example/common/login"),
    "huge": (200, f"response body larger than {MAX_BODY_BYTES} bytes (application/json); not read further"),
    "invalid-json": (200, "response body is not JSON (application/json, 29 bytes: '{\"continuation_token\": \"abc\",'):"
                     " Expecting property name enclosed in double quotes"),
    "duplicate-keys": (200, "response body repeats the name 'continuation_token' (RFC 8259 §4: names SHOULD be"),
}
#: What the failure of a test that met each answer says about it, whichever check noticed first.
FAILED_BECAUSE = {
    "html": "not JSON (text/html", "empty": "body is empty", "no-content": "HTTP 204", "redirect": "HTTP 302",
    "huge": f"{MAX_BODY_BYTES} bytes", "invalid-json": "not JSON (application/json",
    "duplicate-keys": "repeats the name",
}
UNREACHABLE = {
    "drip-body": f"no complete answer within {TIMEOUT_S:g} s",
    "drip-headers": f"no complete answer within {TIMEOUT_S:g} s",
    "reset": "ReadError: [Errno 104] Connection reset by peer",
}


def test_the_matrix_covers_every_fault():
    assert sorted(ANSWERED.keys() | UNREACHABLE.keys()) == sorted(FAULTS)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyTarget]:
    with faulty_target() as running:
        yield running


@pytest.fixture
def connect(server: FaultyTarget) -> Iterator[Connect]:
    """`connect(fault)`: a client of that fault's base URL, its recorded exchanges, and when it was made."""
    made: list[NativeAuthClient] = []

    def client_for(fault: str) -> tuple[NativeAuthClient, list, float]:
        exchanges: list = []
        made.append(NativeAuthClient(server.base_url(fault), recorder=exchanges.append, timeout_s=TIMEOUT_S))
        return made[-1], exchanges, time.monotonic()

    yield client_for
    for client in made:
        client.close()


@pytest.mark.parametrize("fault", sorted(ANSWERED))
def test_an_answer_that_is_not_one_json_object_is_the_targets_with_its_reason(connect: Connect, fault: str):
    client, exchanges, started = connect(fault)
    response = client.send("signupStart", FORM)
    status, reason = ANSWERED[fault]
    assert response.status == status
    assert response.problem.startswith(reason) or response.exchange.schema_errors[0].startswith(reason)
    assert response.exchange.schema_errors and exchanges == [response.exchange]
    assert time.monotonic() - started < HANG


@pytest.mark.parametrize("fault", sorted(UNREACHABLE))
def test_no_complete_answer_in_time_is_one_line_for_the_run(connect: Connect, fault: str):
    client, exchanges, started = connect(fault)
    with pytest.raises(TargetUnreachable) as raised:
        client.send("signupStart", FORM)
    assert time.monotonic() - started < HANG
    url = client.url_for("signupStart")
    assert str(raised.value) == f"{url}: {UNREACHABLE[fault]}"
    assert [exchange.note for exchange in exchanges] == [UNREACHABLE[fault]]


def test_a_stall_on_a_kept_alive_connection_is_cut_too(connect: Connect):
    """The deadline knows the sockets of every connection the client opened, so a reused one that stalls is cut."""
    client, exchanges, started = connect("keep-alive-then-drip")
    assert client.send("signupStart", FORM).continuation_token == "kept-alive"
    with pytest.raises(TargetUnreachable, match=f"no complete answer within {TIMEOUT_S:g} s$"):
        client.send("signupStart", FORM)
    assert time.monotonic() - started < HANG
    assert client.send("signupStart", FORM).continuation_token == "kept-alive", "a new connection after the cut"


@pytest.mark.long
def test_a_whole_run_against_the_faults_gives_one_reason_per_test_and_never_hangs(server: FaultyTarget, tmp_path: Path):
    """`conformance run` against a target answering each request with the next fault: every fault shows; a test whose
    last request met a broken connection or a stall is that one-line run error; any other test that met a fault is a
    failure naming what an answer was, or a one-line run error of what it waited for next (a code the target never
    sent); no traceback is written anywhere."""
    profile = tmp_path / "faulty.toml"
    profile.write_text(f"""
name = "faulty"
base_url = "{server.base_url('rotate')}"
client_id = "{FORM['client_id']}"
[tenant]
auth_method = "email_password"
[signup]
address_template = "qa+{{id}}@example.com"
[otp]
type = "command"
argv = ["{{python}}", "-c", "pass"]
timeout_s = 1
[pacing]
requests_per_second = 0
request_timeout_s = {TIMEOUT_S}
""", encoding="utf-8")
    reports = tmp_path / "reports"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", "from conformance.cli import main; main()", "run", "--target", str(profile),
         "--reports", str(reports), "-m", "(E1 or E4) and not fuzz"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    tests = json.loads((reports / "summary.json").read_text(encoding="utf-8"))["tests"]
    seen: set[str] = set()
    for test in (t for t in tests if t.get("transcript")):
        doc = json.loads((reports / test["transcript"]).read_text(encoding="utf-8"))
        met = [server.given[x["request_headers"]["client-request-id"]] for x in doc["exchanges"]]
        seen |= set(met)
        why = (met, test["nodeid"], test["reason"])
        if met[-1] in UNREACHABLE:
            assert test["verdict"] == "error" and test["reason"].endswith(UNREACHABLE[met[-1]]), why
        elif test["verdict"] == "fail":
            assert any(FAILED_BECAUSE[fault] in test["reason"] for fault in met), why
        else:
            assert test["verdict"] == "error" and "\n" not in test["reason"] and "Timeout: " in test["reason"], why
    assert sorted(seen) == sorted(FAULTS)
    for file in [*reports.glob("*.*"), *(reports / "transcripts").iterdir()]:
        assert "Traceback" not in file.read_text(encoding="utf-8"), file
    assert "Traceback" not in output and "INTERNALERROR" not in output
    assert time.monotonic() - started < 300
