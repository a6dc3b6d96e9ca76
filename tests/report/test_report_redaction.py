"""No raw secret the run handled appears anywhere under the reports directory or in the run's output.

The secrets come from the run itself, before any redaction (`rawcapture.py`, `secret_scan.py`): every continuation,
access, refresh and id token, every one-time code the mock issued and every password sent, received or revealed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rawcapture import PROBE
from secret_scan import files_under, find_leaks, handled_secrets

from conformance.redaction import fingerprint

SKIP_AFTER_TRAFFIC = Path(__file__).resolve().parent / "skip_after_traffic.py"


def test_no_raw_secret_reaches_the_reports_or_the_output(suite_run):
    found = handled_secrets(suite_run.raw_dir)
    secrets = set().union(*found.values())
    assert found["answered"] and found["sent"] and found["issued codes"] and len(secrets) > 20
    places = files_under(suite_run.reports) | {"<stdout+stderr>": suite_run.output.encode()}
    assert not find_leaks(secrets, places)


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


@pytest.mark.long
def test_a_skip_whose_log_held_a_secret_does_not_crash_the_run(conformance_runner, tmp_path):
    """The issue's reproduction: with `--log-level=INFO` a skipped test's captured log holds an OTP the mock sent;
    scrubbing it kept the skip's `(path, lineno, message)` a tuple, which pytest's JUnit writer requires."""
    selection = "test_skips_after_a_code_was_sent or test_signing_up_twice_is_refused"  # one skip, one check run
    run = conformance_runner(tmp_path, "--log-level=INFO", str(SKIP_AFTER_TRAFFIC), "-k", selection)
    assert run.returncode == 0 and "INTERNALERROR" not in run.output, run.output[-3000:]
    cases = ET.parse(run.reports / "junit.xml").getroot().iter("testcase")
    assert any(case.find("skipped") is not None for case in cases)
