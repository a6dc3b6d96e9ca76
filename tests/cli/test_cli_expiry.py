"""`conformance run --slow` against a tenant without clock control: every expiry probe gets its token first, the run
waits once for the longest declared lifetime plus a margin, then probes them all (conformance.expiry).

The proof reads the run's own transcripts rather than its duration: the requests of every probe, in the order they went
out, pause once for a lifetime, with each probe prepared before that pause and probed after it, and never pause again
for as long as any lifetime. So the lifetimes can be short whatever the run's own work costs on a loaded machine.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cli_support import CONFORMANCE, MOCK_PROFILE, PROFILE_PORT, serving

from conformance.expiry import margin
from conformance.mock.config import DEFAULT_TENANT_PATH, load_tenant

pytestmark = pytest.mark.long

#: Short lifetimes (seconds): a code outlives its lifetime before its continuation token does, as in the bundled tenant.
#: The shortest stays far above any other pause between two requests of the run (at most the SSPR poll interval, 1 s;
#: the run's own work between requests takes milliseconds, even on a loaded machine).
LIFETIMES = {"continuation_token": 20, "otp": 14, "refresh_token": 20}
LONGEST, SHORTEST = max(LIFETIMES.values()), min(LIFETIMES.values())


def _tenant(tmp_path: Path) -> Path:
    """The bundled tenant (every user flow, so every expiry probe can run) with short lifetimes and quick SSPR polls."""
    lines = "".join(f"{name} = {seconds}\n" for name, seconds in LIFETIMES.items())
    text = re.sub(
        r"\[lifetimes\]\n(?:[a-z_]+ = \d+.*\n)+",
        f"[lifetimes]\n{lines}poll_interval = 1\n",
        DEFAULT_TENANT_PATH.read_text(encoding="utf-8"),
    )
    assert f"otp = {LIFETIMES['otp']}" in text
    path = tmp_path / "short-lifetimes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _table(text: str, name: str, replacement: str) -> str:
    """`text` with its TOML table `[name]` (up to the next table) replaced."""
    return re.sub(rf"^\[{name}\]\n(?:(?!\[).*\n?)*", replacement + "\n", text, count=1, flags=re.M)


def _profile(tmp_path: Path, origin: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The served mock described as a real tenant is: no [control] (no clock to move), codes read from its outbox."""
    text = MOCK_PROFILE.read_text(encoding="utf-8").replace(f"http://{PROFILE_PORT}", origin)
    for user in load_tenant().users:  # the profile names MOCK_CASEY_PASSWORD for casey@contoso.com, and so on
        if user.password:
            monkeypatch.setenv(f"MOCK_{user.email.split('@')[0].upper()}_PASSWORD", user.password)
    text = _table(text, "control", "")
    text = _table(text, "otp", f'[otp]\ntype = "outbox"\ncontrol_url = "{origin}"\npoll_interval_s = 0.02\n')
    limits = "".join(f"{name}_lifetime_s = {seconds}\n" for name, seconds in LIFETIMES.items())
    text = _table(text, "limits", f"[limits]\n{limits}")
    assert "[control]" not in text
    path = tmp_path / "no-clock.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _requests(reports: Path) -> dict[str, list[tuple[datetime, datetime]]]:
    """Each test's requests, as (sent, answered) times, from its transcript."""
    found = {}
    for test in json.loads((reports / "summary.json").read_text(encoding="utf-8"))["tests"]:
        exchanges = json.loads((reports / test["transcript"]).read_text(encoding="utf-8"))["exchanges"]
        sent = [(datetime.fromisoformat(x["started_at"]), timedelta(milliseconds=x["elapsed_ms"])) for x in exchanges]
        found[test["nodeid"]] = [(at, at + took) for at, took in sent]
    return found


def _pauses(spans: list[tuple[datetime, datetime]]) -> list[tuple[float, datetime, datetime]]:
    """Every pause (seconds, from, to) between the spans, longest first: from the end of those so far to the next."""
    ordered = sorted(spans)
    pauses, busy_until = [], ordered[0][1]
    for start, end in ordered[1:]:
        pauses.append(((start - busy_until).total_seconds(), busy_until, start))
        busy_until = max(busy_until, end)
    return sorted(pauses, reverse=True)


def test_a_slow_run_waits_once_for_every_expiry_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every expiry probe (continuation tokens at each step, codes, refresh tokens) passes against a tenant whose
    lifetimes are really waited out; the run's requests pause once, for one lifetime plus the margin, with every probe
    prepared before that pause and sent after it, and never again for as long as any lifetime."""
    with serving("--tenant", str(_tenant(tmp_path))) as origin:
        profile = _profile(tmp_path, origin, monkeypatch)
        reports = tmp_path / "reports"
        done = subprocess.run(
            [CONFORMANCE, "run", "--target", str(profile), "--reports", str(reports), "--slow", "-m", "expiry"],
            cwd=tmp_path, capture_output=True, text=True, timeout=LONGEST * 20, check=False,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
    totals = json.loads((reports / "summary.json").read_text(encoding="utf-8"))["run"]["totals"]
    assert totals["pass"] == totals["collected"] >= 40, totals
    waits = re.findall(r"expiry: waiting (\d+) s once for (\d+) expiry probe", done.stdout)
    assert len(waits) == 1, done.stdout[-4000:]
    waited, probes = map(int, waits[0])
    assert probes == totals["collected"] and waited <= round(LONGEST + margin(LONGEST)), waits
    by_test = _requests(reports)
    (pause, before, after), *others = _pauses([span for spans in by_test.values() for span in spans])
    assert pause >= SHORTEST, f"the run's longest pause is {pause:.1f} s"
    for nodeid, spans in by_test.items():
        assert spans[0][0] < before and spans[-1][0] >= after, f"{nodeid}: not prepared before the pause, probed after"
    assert others[0][0] < SHORTEST, f"a second pause of {others[0][0]:.1f} s (the one wait was {pause:.1f} s)"
