"""The report plugin: `--conformance-reports DIR` → conformance.html, traceability.html, junit.xml, summary.json.

Workers scrub each report, write the test's transcript and attach a small record; the controller (the only process
without xdist) first replaces the previous run's reports with INCOMPLETE placeholders (`incomplete`), then writes
summary.json and traceability.html at the start, every few seconds and at the end; pytest-html and pytest's junitxml
write the other two at the end. An interrupted run keeps what it has, marked `complete: false` with an INCOMPLETE RUN
banner (and an errored INCOMPLETE RUN test case in junit.xml); a killed one leaves its own reports so far, marked
alike, never the previous run's. Before xdist starts the workers, the controller puts the redaction key into the
environment, so a value has the same fingerprint in every worker's output.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_html import extras

from conformance import redaction
from conformance.fixtures import TRANSCRIPT, VERDICT
from conformance.profile import ProfileError, load_profile, mock_profile
from conformance.report import htmlreport, incomplete, summary, traceability, transcripts
from conformance.report.pages import esc
from conformance.report.record import phase_record
from conformance.report.results import RECORD, Run, now, warned_rules, worst
from conformance.report.scrub import SecretWatch, scrub, scrub_report
from conformance.target import EMBEDDED, EMBEDDED_HTTP

DEFAULT_DIR = "reports"
HTML_NAME = "conformance.html"
JUNIT_NAME = "junit.xml"
WRITE_EVERY_S = 2.0
#: A large run's summary takes a while to write: the controller spends at most 1/N of its time on periodic writes.
WRITE_SHARE = 10
RECORD_PROPERTY_WARNING = "record_property is incompatible with junit_family"
SUITES_DIR = Path(__file__).resolve().parents[1] / "suites"  # found, not imported: nothing imports the suites
SECRETS = pytest.StashKey[set[str]]()
WATCH = pytest.StashKey[SecretWatch]()
SESSION = pytest.StashKey["ReportSession"]()
SO_FAR = pytest.StashKey[dict[str, str | None]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("conformance", "Entra native-auth conformance").addoption(
        "--conformance-reports",
        metavar="DIR",
        default=None,
        help=f"write conformance.html, traceability.html, junit.xml, summary.json and transcripts/ to DIR "
        f"(default: {DEFAULT_DIR}/ when the run includes conformance.suites; an empty value turns reports off)",
    )


def _runs_suites(config: pytest.Config) -> bool:
    """True when the command line names the conformance suites (or a directory holding them)."""
    for arg in config.args:
        name = arg.split("::", 1)[0]
        if config.option.pyargs and (name == "conformance.suites" or name.startswith("conformance.suites.")):
            return True
        path = (config.invocation_params.dir / name).resolve()
        if path == SUITES_DIR or SUITES_DIR in path.parents or path in SUITES_DIR.parents:
            return True
    return False


def _profile_name(spec: str) -> str:
    """The target profile's name, read without opening the target ('?' when it cannot be read)."""
    try:
        if spec in (EMBEDDED, EMBEDDED_HTTP):
            return mock_profile("http://mock.embedded/profile", "http://mock.embedded").name
        return load_profile(Path(spec)).name
    except (ProfileError, OSError):
        return "?"


def _href(target: Path, start: Path) -> str:
    """A relative link from a page in `start` to `target`."""
    return Path(os.path.relpath(target, start)).as_posix()


@dataclass(frozen=True)
class Settings:
    """Where this run's reports go."""

    directory: Path
    html: Path | None
    junit: Path | None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Share the redaction key with the workers; turn reports on, with pytest-html's and junitxml's paths in them."""
    if not hasattr(config, "workerinput") and redaction.export_key():
        config.add_cleanup(lambda: os.environ.pop(redaction.KEY_ENV, None))
    config.stash[WATCH] = SecretWatch()
    option = config.getoption("--conformance-reports")
    if option == "" or (option is None and not _runs_suites(config)):
        return
    directory = (config.invocation_params.dir / (option or DEFAULT_DIR)).resolve()
    if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
        config.option.htmlpath = str(directory / HTML_NAME)
    if not config.option.xmlpath:
        config.option.xmlpath = str(directory / JUNIT_NAME)
        # pytest writes per-test properties in every junit family; until the project picks `junit_family = xunit1`,
        # a suite's record_property must not turn into an error just because this plugin asked for junit.xml
        config.addinivalue_line("filterwarnings", f"ignore:{RECORD_PROPERTY_WARNING}:pytest.PytestWarning")
    html = getattr(config.option, "htmlpath", None)
    settings = Settings(directory, Path(html).resolve() if html else None, Path(config.option.xmlpath).resolve())
    config.stash[SESSION] = ReportSession(config, settings)
    config.pluginmanager.register(config.stash[SESSION], "conformance-report-session")


@pytest.fixture(autouse=True)
def _conformance_secret_watch(request: pytest.FixtureRequest) -> None:
    """For tests that talk to a target: collect the raw secrets of their traffic, so reports can redact free text."""
    if "api_client" not in request.fixturenames:
        return
    watch = request.config.stash[WATCH]
    watch.attach(request.getfixturevalue("api_client"))
    request.node.stash[SECRETS] = watch.start()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Scrub the report of a test that talked to a target; with reports on, attach its record and transcript."""
    report: pytest.TestReport = yield
    if SECRETS in item.stash:
        scrub_report(report, item.config, item.stash[SECRETS])
    session = item.config.stash.get(SESSION, None)
    if session is not None:
        session.record(item, call, report)
    return report


class ReportSession:
    """Writes the run's reports; registered only when reports are on."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.controller = not hasattr(config, "workerinput")
        spec = config.getoption("--target")
        self.run = Run(target=spec, profile=_profile_name(spec) if self.controller else "")
        self._start = time.monotonic()
        self._written = 0.0
        self._write_cost = 0.0
        self._final = False
        if self.controller:
            self._replace_previous_reports()

    def _replace_previous_reports(self) -> None:
        """Remove the previous run's reports and put this run's INCOMPLETE placeholders in their place."""
        s = self.settings
        links = {k: v for k, v in self._links(self.html_dir).items() if k != "HTML report"}
        incomplete.start(
            [s.directory / summary.FILENAME, s.directory / traceability.FILENAME],
            [s.directory / transcripts.DIRNAME],
            html=s.html, junit=s.junit, started=self.run.started, links=links,
        )

    @property
    def html_dir(self) -> Path:
        """The folder of the HTML report, which its links are relative to."""
        return self.settings.html.parent if self.settings.html else self.settings.directory

    # Worker side (and the only process without xdist)

    def record(self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
        """Attach the phase's record, and write the transcript with the call (or with a failed setup)."""
        found = item.stash.get(VERDICT, None)
        record = phase_record(item, report, found)
        exchanges = item.stash.get(TRANSCRIPT, [])
        if exchanges and (report.when == "call" or (report.when == "setup" and report.failed)):
            self._attach_transcript(item.nodeid, report, record, exchanges, found, item.stash.get(SECRETS, set()))
        setattr(report, RECORD, record)
        so_far = item.stash.setdefault(SO_FAR, {})
        so_far["verdict"] = worst(so_far.get("verdict"), record["verdict"])
        so_far["transcript"] = record.get("transcript") or so_far.get("transcript")
        if report.when == "teardown":
            # junitxml takes a test's properties from its teardown report: a few short strings, never a transcript
            report.user_properties += [
                ("conformance.verdict", so_far["verdict"] or "pass"),
                ("conformance.requirements", " ".join(record["requirements"])),
                *([("conformance.transcript", so_far["transcript"])] if so_far["transcript"] else []),
            ]

    def _attach_transcript(
        self,
        nodeid: str,
        report: pytest.TestReport,
        record: dict[str, Any],
        exchanges: list[Any],
        found: Any,
        secrets: set[str],
    ) -> None:
        findings = {}
        if found is not None:
            findings = {
                "failures": [str(f) for f in found.failures],
                "warnings": [str(f) for f in found.warnings],
                "expected_deviations": [str(f) for f in found.expected],
            }
        doc = transcripts.document(nodeid, record, [e.as_dict() for e in exchanges], findings)
        path, written, size = transcripts.write(self.settings.directory, doc, secrets)
        record.update(transcript=path, exchanges=len(exchanges))
        json_file = self.settings.directory / path
        new = [
            extras.url(_href(json_file.with_suffix(".html"), self.html_dir), name="Transcript"),
            extras.url(_href(json_file, self.html_dir), name="JSON"),
        ]
        if size <= transcripts.EMBED_LIMIT:
            text = esc(transcripts.compact(written))
            new.append(extras.html(f"<details open><summary>Transcript</summary><pre>{text}</pre></details>"))
        report.extras = [*getattr(report, "extras", []), *new]

    # Controller side

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._write_summary()
        self._write_cost = 0.0  # the first write pays one-off costs (imports, folders), unlike later ones

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.run.collected |= {item.nodeid for item in session.items}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.run.collected |= set(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.controller:
            return
        self.run.add(report)
        interval = max(WRITE_EVERY_S, WRITE_SHARE * self._write_cost)
        if report.when == "teardown" and time.monotonic() - self._written >= interval:
            self._write_summary()

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.run.stopped = "interrupted: " + scrub(excinfo.exconly().strip())[:200]

    def pytest_internalerror(self, excrepr: Any, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.run.stopped = "internal error: " + scrub(excinfo.exconly().strip())[:200]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Close the run's record (before pytest-html renders its header) and write summary and traceability."""
        if not self.controller:
            return
        self._close(session, int(exitstatus))
        self._write_summary()
        self._final = True

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """A session that never reached its end still leaves summary and traceability, marked incomplete; the JUnit
        file of a run that stopped early (written by pytest by now) gets its errored INCOMPLETE RUN test case."""
        if not self.controller:
            return
        if not self._final:
            self.run.stopped = self.run.stopped or "the session ended before pytest_sessionfinish"
            self._write_summary()
        if not self.run.complete and self.settings.junit is not None:
            incomplete.mark_junit(self.settings.junit, self.run.stopped or "the run did not finish")

    def _close(self, session: pytest.Session, exitstatus: int) -> None:
        run = self.run
        run.finished, run.exit_status = now(), exitstatus
        run.duration_s = time.monotonic() - self._start
        if not run.stopped and exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR):
            run.stopped = f"pytest exit status {exitstatus} ({pytest.ExitCode(exitstatus).name})"
        if not run.stopped and not run.complete:
            missing = len(run.collected - {n for n, r in run.results.items() if r.finished})
            why = session.shouldfail or session.shouldstop
            run.stopped = f"{why}: " if isinstance(why, str) else ""
            run.stopped += f"{missing} of {len(run.collected)} collected tests did not run"

    def _links(self, start: Path) -> dict[str, str]:
        """The other reports, linked from a page in `start`."""
        s = self.settings
        found = {"HTML report": s.html, "Traceability": s.directory / traceability.FILENAME}
        found |= {"summary.json": s.directory / summary.FILENAME, "JUnit XML": s.junit}
        return {name: _href(path, start) for name, path in found.items() if path is not None}

    def _write_summary(self) -> None:
        """summary.json and traceability.html as the run stands (the controller only); remembers what it cost."""
        if not self.controller:
            return
        started = time.monotonic()
        data = summary.build(self.run)
        summary.write(self.settings.directory / summary.FILENAME, data)
        links = self._links(self.settings.directory)
        links.pop("Traceability")
        page = traceability.render(data, links)
        incomplete.write_atomically(self.settings.directory / traceability.FILENAME, page)
        self._written = time.monotonic()
        self._write_cost = self._written - started

    # pytest-html

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = f"Conformance report — {self.run.target}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        """The INCOMPLETE RUN banner when it applies, the run's header and links to the other reports."""
        run = self.run_metadata()
        if not run["complete"]:
            prefix.append(htmlreport.banner(traceability.INCOMPLETE))
        links = {k: v for k, v in self._links(self.html_dir).items() if k != "HTML report"}
        prefix.append(htmlreport.run_header(run, links, self.warned_rules()))

    def run_metadata(self) -> dict[str, Any]:
        """The `run` part of the summary as it stands."""
        return summary.build(self.run)["run"]

    def warned_rules(self) -> list[dict[str, Any]]:
        """The run's warnings, once per rule."""
        return warned_rules((result.nodeid, result.warnings) for result in self.run.results.values())

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        htmlreport.header_cells(cells)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        htmlreport.row_cells(report, cells, _href(self.settings.directory / traceability.FILENAME, self.html_dir))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.controller:
            terminalreporter.write_sep("-", f"conformance reports: {self.settings.directory}")
