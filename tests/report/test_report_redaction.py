"""No raw secret the run exchanged appears anywhere under the reports directory or in the run's output.

The secrets come from the wire itself (`rawcapture.py` wraps `httpx.Client.send` in the run's processes): every
continuation, access, refresh and id token, every one-time code and every password sent or received.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus

from rawcapture import PROBE

from conformance.redaction import fingerprint
from conformance.report.scrub import MIN_SECRET_LENGTH

KEYS = frozenset({"continuation_token", "access_token", "refresh_token", "id_token", "oob", "password", "new_password"})


def _values(data: object, found: dict[str, set[str]]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in KEYS and isinstance(value, str):
                found.setdefault(key, set()).add(value)
            else:
                _values(value, found)
    elif isinstance(data, list):
        for value in data:
            _values(value, found)


def raw_secrets(raw_dir: Path) -> dict[str, set[str]]:
    """Secret values by key, from every request form and JSON response the run's processes exchanged."""
    found: dict[str, set[str]] = {}
    for file in raw_dir.glob("*.jsonl"):
        for line in file.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            for key, value in parse_qsl(entry["request"]):
                if key in KEYS:
                    found.setdefault(key, set()).add(value)
            try:
                _values(json.loads(entry["response"]), found)
            except ValueError:
                continue
    return found


def test_no_raw_secret_reaches_the_reports_or_the_output(suite_run):
    found = raw_secrets(suite_run.raw_dir)
    assert {"continuation_token", "access_token", "id_token", "oob", "password"} <= found.keys()
    secrets = {value for values in found.values() for value in values if len(value) >= MIN_SECRET_LENGTH}
    assert len(secrets) > 20
    written = {path: path.read_bytes() for path in suite_run.reports.rglob("*") if path.is_file()}
    written[Path("<stdout+stderr>")] = suite_run.output.encode()
    leaks = [
        f"{path.name}: {secret[:6]}…"
        for secret in secrets
        for path, data in written.items()
        if any(form.encode() in data for form in {secret, quote_plus(secret), quote(secret, safe="")})
    ]
    assert not leaks


def test_the_leak_attempt_shows_as_a_fingerprint(suite_run):
    """The deliberately false test printed its token and failed on it: the output shows the fingerprint."""
    assert "continuation token: …#" in suite_run.output
    assert "got '…#" in suite_run.test("test_deliberately_false")["reason"]


def test_every_process_of_a_run_fingerprints_with_the_runs_key(suite_run):
    """The controller exports a key of the run's own before xdist starts the workers: equal values match anywhere."""
    probes = {path.stem: path.read_text(encoding="utf-8") for path in suite_run.raw_dir.glob("*.probe")}
    assert sorted(probes) == ["controller", "gw0", "gw1"]
    assert len(set(probes.values())) == 1
    assert probes["controller"] != fingerprint(PROBE), "the key came from the run, not from this test process"
