"""`conformance run --slow` against a tenant without clock control: every expiry probe gets its token first, the run
waits once for the longest declared lifetime plus a margin, then probes them all (conformance.expiry)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from cli_support import CONFORMANCE, MOCK_PROFILE, PROFILE_PORT, serving

from conformance.expiry import margin
from conformance.mock.config import DEFAULT_TENANT_PATH, load_tenant

#: Short lifetimes (seconds): a code outlives its lifetime before its continuation token does, as in the bundled tenant.
#: Long enough that the run's own work (preparing 40 probes, then probing; ~4 s idle, up to 12 s measured on a loaded
#: 2-core machine) stays well inside the 20 % the run may take beyond one lifetime.
LIFETIMES = {"continuation_token": 100, "otp": 70, "refresh_token": 100}
LONGEST = max(LIFETIMES.values())


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


def test_a_slow_run_waits_once_for_every_expiry_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every expiry probe (continuation tokens at each step, codes, refresh tokens) passes against a tenant whose
    lifetimes are really waited out, and the whole run takes one lifetime plus 20 % at most."""
    with serving("--tenant", str(_tenant(tmp_path))) as origin:
        profile = _profile(tmp_path, origin, monkeypatch)
        reports = tmp_path / "reports"
        done = subprocess.run(
            [CONFORMANCE, "run", "--target", str(profile), "--reports", str(reports), "--slow", "-m", "expiry"],
            cwd=tmp_path, capture_output=True, text=True, timeout=LONGEST * 4, check=False,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
    run = json.loads((reports / "summary.json").read_text(encoding="utf-8"))["run"]
    totals = run["totals"]
    assert totals["pass"] == totals["collected"] >= 40, totals
    waits = re.findall(r"expiry: waiting (\d+) s once for (\d+) expiry probe", done.stdout)
    assert len(waits) == 1, done.stdout[-4000:]
    waited, probes = map(int, waits[0])
    assert probes == totals["collected"] and waited <= round(LONGEST + margin(LONGEST)), waits
    assert run["duration_s"] <= LONGEST * 1.2, f"{run['duration_s']} s for a {LONGEST} s lifetime (waited {waited} s)"
