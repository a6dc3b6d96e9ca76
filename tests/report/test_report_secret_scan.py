"""Redaction by construction, measured: every file of whole `conformance run`s, their output and their log file hold
none of the secrets the run handled (`secret_scan.py`), however they were named and whether or not a test used them.

Two full runs (every test of every suite; fuzzing with a third of its default examples, to keep the project's own
run short): one logging everything (`--log-level=DEBUG`, live and to a log file inside the reports), one with every
deviation (and documented reading) the mock can switch on at once, among them `legacy_token_name`, which names the
tokens `signup_token`, `credential_token`, `password_reset_token` — all but `sspr_closed_challenge_types`
(`CLOSES_RESETS`) and `errors_with_status_200` (`SLOW_TOGETHER`):
with every error answered 200 each flow takes its failed step for a success and waits out the OTP timeout for a code
that is never sent (5 s × 360 tests); its bodies are error envelopes, which hold no secret. Each test prints its counts.
"""

from __future__ import annotations

import json

import pytest
from conftest import SuiteRun, run_conformance
from secret_scan import files_under, find_leaks, handled_secrets

from conformance.mock.deviations import SWITCHES

DEBUG = ("--log-level=DEBUG", "--log-file={reports}/run.log", "--log-file-level=DEBUG", "-o", "log_cli=true",
         "--log-cli-level=DEBUG")
FUZZ = ("--fuzz-examples=5", "--fuzz-scenarios=3")
SLOW_TOGETHER = frozenset({"errors_with_status_200"})
#: Refuses the challenge_type list the fuzzer sends password reset (`oob password redirect`, as MSAL does): with every
#: other switch on, those resets were the run's only `password_reset_token` answers.
CLOSES_RESETS = frozenset({"sspr_closed_challenge_types"})
EVERY_SWITCH = tuple(f"--mock-deviation={name}" for name in SWITCHES if name not in SLOW_TOGETHER | CLOSES_RESETS)
RUNS = {
    "debug": (*DEBUG, *FUZZ),
    "every-deviation": ("--log-level=INFO", *FUZZ, *EVERY_SWITCH),
}
LEGACY_NAMES = ("signup_token", "credential_token", "password_reset_token")


@pytest.fixture(scope="module", params=sorted(RUNS))
def full_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, SuiteRun]:
    """One whole run, as `conformance run` makes it."""
    run = run_conformance(tmp_path_factory.mktemp(request.param), *RUNS[request.param])
    assert (run.reports / "summary.json").exists(), run.output[-3000:]
    assert json.loads((run.reports / "summary.json").read_text())["run"]["totals"]["tests"] > 300, run.output[-3000:]
    return request.param, run


def test_no_secret_the_run_handled_is_written_anywhere(full_run: tuple[str, SuiteRun]) -> None:
    name, run = full_run
    found = handled_secrets(run.raw_dir)
    secrets = set().union(*found.values())
    places = files_under(run.reports) | {"<stdout+stderr>": run.output.encode()}
    leaks = find_leaks(secrets, places)
    counts = ", ".join(f"{len(values)} {kind}" for kind, values in found.items())
    print(f"{name}: {len(secrets)} secrets handled ({counts}); {len(leaks)} found in {len(places)} files and output")
    assert found["answered"] and found["sent"] and found["revealed"]
    if name == "debug":  # with every deviation on, flows break before any code is sent
        assert found["issued codes"] - found["sent"], "some codes were issued that no test submitted"
    assert not leaks, "\n".join(map(str, leaks[:20]))


def test_the_run_handled_what_the_scan_must_cover(full_run: tuple[str, SuiteRun]) -> None:
    """The debug run logged the codes it issued (fingerprinted), the other answered tokens under their old names."""
    name, run = full_run
    raw = "".join(path.read_text(encoding="utf-8") for path in run.raw_dir.glob("*.jsonl"))
    if name == "debug":
        log = (run.reports / "run.log").read_text(encoding="utf-8")
        assert "OTP …#" in log and "DEBUG" in log
    else:
        assert all(f'\\"{legacy}\\"' in raw for legacy in LEGACY_NAMES)


def _scan(run: SuiteRun) -> tuple[dict[str, set[str]], list[str]]:
    found = handled_secrets(run.raw_dir)
    places = files_under(run.reports) | {"<stdout+stderr>": run.output.encode()}
    return found, [str(leak) for leak in find_leaks(set().union(*found.values()), places)]


@pytest.mark.long
def test_tokens_under_their_pre_rename_names_are_redacted(conformance_runner, tmp_path):
    """The `legacy_token_name` deviation answers `signup_token`, `credential_token`, `password_reset_token`: the
    schemas name them as the continuation token's former names, so they are redacted like it."""
    run = conformance_runner(tmp_path, "--mock-deviation", "legacy_token_name", "-m", "signup or signin")
    found, leaks = _scan(run)
    raw = "".join(path.read_text(encoding="utf-8") for path in run.raw_dir.glob("*.jsonl"))
    assert '\\"signup_token\\"' in raw and found["answered"], run.output[-2000:]
    assert not leaks, leaks[:20]


@pytest.mark.long
def test_codes_the_mock_logged_but_no_test_submitted_are_redacted(conformance_runner, tmp_path):
    """With `--log-level=INFO` every code the mock sends is logged into the report's captured logs: each is redacted,
    whether or not the test ever read it (the mock remembers what it issued)."""
    run = conformance_runner(tmp_path, "--log-level=INFO", "-m", "errors and E3a")
    found, leaks = _scan(run)
    assert found["issued codes"] - found["sent"], "the run must issue codes no test submitted"
    page = (run.reports / "conformance.html").read_text(encoding="utf-8")
    assert "OTP …#" in page or "OTP \\u2026#" in page, "the codes are in the report's captured logs, fingerprinted"
    assert not leaks, leaks[:20]
