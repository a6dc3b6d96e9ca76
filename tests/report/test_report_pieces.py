"""The report's small pieces: free-text scrubbing, transcript file names, requirement verdicts, when reports are on."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from conformance.client import NativeAuthClient, TargetUnreachable
from conformance.redaction import fingerprint
from conformance.report.diff import Changes
from conformance.report.plugin import SUITES_DIR, _runs_suites
from conformance.report.record import requirement_verdicts
from conformance.report.results import warned_rules
from conformance.report.scrub import SecretWatch, scrub, scrub_data, scrub_report
from conformance.report.transcripts import safe_name
from conformance.verdicts import Severity, Verdict

TOKEN = "ipg7Ypv3-KnownRawContinuationTokenValue_0123456789"


@pytest.mark.parametrize(
    "text",
    [
        f"expected 'x', got '{TOKEN}'",
        f"fields = {{'continuation_token': '{TOKEN[:20]}...', 'client_id': 'abc'}}",
        f"body = b'client_id=abc&continuation_token={TOKEN}&password=Secret-1'",
        f'{{"continuation_token": "{TOKEN}"}}',
        f"    token = '{TOKEN}'",
    ],
)
def test_scrub_removes_known_and_shaped_secrets(text):
    assert TOKEN[:20] not in scrub(text, {TOKEN})


def test_scrub_catches_jwts_and_keeps_fingerprints_and_plain_text():
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ"
    assert jwt not in scrub(f"id_token was {jwt}")
    already = f"'continuation_token': '{fingerprint(TOKEN)}'"
    assert scrub(already) == already
    assert scrub("expected HTTP 200 moving the flow on, got 400") == "expected HTTP 200 moving the flow on, got 400"


def test_scrub_data_redacts_sensitive_argument_pairs():
    assert scrub_data([["password", "'hunter2-long'"], ["status", "400"]])[1] == ["status", "400"]
    assert "hunter2-long" not in str(scrub_data([["password", "'hunter2-long'"]]))


def test_transcript_names_are_safe_and_unique():
    names = {safe_name(n) for n in ("a/b.py::t[x]", "a_b.py::t[x]", "a/b.py::t[y]", "a/b.py::t/x")}
    assert len(names) == 4
    assert all("/" not in n and "." not in n and len(n) <= 90 for n in names)


def test_requirement_verdicts_follow_the_findings():
    found = Verdict(expected_deviations=frozenset({"E2"}))
    found.check(True, "E1", "fine")
    found.check(False, "E2", "known deviation")
    found.check(False, "R-X", "open point", severity=Severity.WARNING)
    found.check(False, "E3", "broken")
    verdicts = requirement_verdicts("fail", ["E1", "E9"], found)
    assert verdicts == {"E1": "pass", "E2": "expected_deviation", "R-X": "warning", "E3": "fail", "E9": "pass"}
    assert requirement_verdicts("fail", ["E1"], Verdict()) == {"E1": "fail"}  # a plain assert: the marked ids fail
    assert requirement_verdicts("error", ["E1"], None) == {"E1": "error"}
    assert requirement_verdicts("skipped", ["E1"], None) == {"E1": "skipped"}
    assert requirement_verdicts(None, ["E1"], None) == {}


def test_warnings_group_once_per_rule_most_widespread_first():
    warned = warned_rules(
        [
            ("t1", ["[R-CORRELATION-HEADERS] headers missing", "[R-CORRELATION-ECHO] echo differs"]),
            ("t2", ["[R-CORRELATION-HEADERS] headers missing", "[R-CORRELATION-HEADERS] headers missing again"]),
            ("t3", []),
        ]
    )
    assert [(w["requirement"], w["basis"], w["tests"], w["findings"]) for w in warned] == [
        ("R-CORRELATION-HEADERS", "observed", 2, 3),
        ("R-CORRELATION-ECHO", "inferred", 1, 1),
    ]
    assert warned[0]["message"] == "headers missing" and warned[0]["nodeids"] == ["t1", "t2"]


def test_changes_classify_how_verdicts_moved():
    found = Changes.between(
        {"a": "pass", "b": "fail", "c": "pass", "d": "skipped", "gone": "pass"},
        {"a": "fail", "b": "pass", "c": "warning", "d": "skipped", "new": "fail"},
    )
    assert [c.key for c in found.newly_failing] == ["a"] and [c.key for c in found.newly_passing] == ["b"]
    assert [c.key for c in found.changed] == ["c"] and [c.key for c in found.disappeared] == ["gone"]
    assert [c.key for c in found.new_failures] == ["a", "new"]


@pytest.mark.parametrize(
    ("args", "pyargs", "on"),
    [
        (["conformance.suites"], True, True),
        (["conformance.suites.test_signup::test_x"], True, True),
        ([str(SUITES_DIR / "test_signup.py")], False, True),
        ([str(SUITES_DIR.parent.parent)], False, True),
        (["tests"], False, False),
        (["tests/report/test_pieces.py"], False, False),
    ],
)
def test_reports_default_on_only_for_runs_of_the_suites(args, pyargs, on):
    config = SimpleNamespace(
        args=args, option=SimpleNamespace(pyargs=pyargs), invocation_params=SimpleNamespace(dir=Path.cwd())
    )
    assert _runs_suites(config) is on


def test_secret_watch_sees_raw_traffic_through_the_client_observer_hook():
    """The watch collects the values the client sent and received, and those of a request that got no answer."""

    def answer(request: httpx.Request) -> httpx.Response:
        if b"unreachable" in request.content:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"continuation_token": TOKEN, "challenge_type": "password"})

    client = NativeAuthClient("http://mock.test", transport=httpx.MockTransport(answer))
    watch = SecretWatch()
    watch.attach(client)
    watch.attach(client)
    secrets = watch.start()
    client.send("signupStart", {"client_id": "abc", "username": "casey@contoso.com", "password": "Raw-Pass-1"})
    with pytest.raises(TargetUnreachable):
        client.send("signupStart", {"client_id": "unreachable", "password": "Raw-Pass-2"})
    assert secrets == {TOKEN, "Raw-Pass-1", "Raw-Pass-2"}
    assert len(client.observers) == 1, "attached once per client"


def _report(outcome: str, longrepr: object, sections: list[tuple[str, str]]) -> pytest.TestReport:
    return pytest.TestReport("t.py::t", ("t.py", 1, "t"), {}, outcome, longrepr, "call", sections=sections)


def test_a_skip_keeps_its_tuple_when_its_captured_log_is_scrubbed(request):
    """A skip's `(path, lineno, message)` is what pytest's JUnit writer asserts; scrubbing its log must keep it."""
    log = [("Captured log call", f"INFO conformance.mock OTP sent; continuation_token={TOKEN}")]
    report = _report("skipped", ("t.py", 3, f"Skipped: no second app ({TOKEN})"), log)
    scrub_report(report, request.config, {TOKEN})
    assert isinstance(report.longrepr, tuple) and report.longrepr[:2] == ("t.py", 3)
    assert TOKEN not in report.longrepr[2] and TOKEN not in report.sections[0][1]
    assert report.sections[0][0] == "Captured log call"


def test_a_failure_text_and_an_exception_representation_are_scrubbed(request):
    plain = _report("failed", f"TargetDeviation: got {TOKEN}", [])
    scrub_report(plain, request.config, {TOKEN})
    assert isinstance(plain.longrepr, str) and TOKEN not in plain.longrepr
    try:
        raise AssertionError(f"expected 'x', got {TOKEN!r}")
    except AssertionError:
        info = pytest.ExceptionInfo.from_current()
    raised = _report("failed", info.getrepr(), [("Captured stdout call", f"token: {TOKEN}")])
    scrub_report(raised, request.config, {TOKEN})
    assert TOKEN not in raised.longreprtext and TOKEN not in raised.sections[0][1]
    assert raised.longrepr.reprcrash.message.startswith("AssertionError: expected 'x', got '…#")
