"""No report is ever mistaken for another run's: a run starts by replacing the previous run's files with its own,
marked INCOMPLETE, so that whatever stops it (a failure, Ctrl-C, `kill -9`, a CI timeout) leaves either this run's
reports, visibly incomplete in every file a person or a CI job opens, or, once it finishes, its complete reports.

- `conformance.html`: a small page with the INCOMPLETE RUN banner until pytest-html writes the real one at the end
  (with the banner again when the run stopped early).
- `junit.xml`: one errored test case `INCOMPLETE RUN` until pytest's writer replaces it; a run that stopped early gets
  that test case added to pytest's file, so a CI job's test report shows the run did not finish.
- `summary.json` (`complete: false`) and `traceability.html` (banner) are rewritten as the run goes.
- `transcripts/` of the previous run is removed.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.report.pages import banner, esc, links_html, page

CASE_NAME = "INCOMPLETE RUN"
RUNNING = "INCOMPLETE RUN — this run has not finished: it is still running, or it stopped before writing this report"


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def start(
    files: list[Path], folders: list[Path], *, html: Path | None, junit: Path | None, started: str,
    links: dict[str, str],
) -> None:
    """Remove the previous run's `files` and `folders`, then put this run's INCOMPLETE placeholders in place (`links`:
    the other reports, relative to the HTML report)."""
    for file in files:
        file.unlink(missing_ok=True)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    if html is not None:
        write_atomically(html, placeholder_html(started, links))
    if junit is not None:
        write_atomically(junit, placeholder_junit(started))


def placeholder_html(started: str, links: dict[str, str]) -> str:
    """The HTML report of a run that has not finished, linking the reports that show the tests finished so far."""
    body = (
        f"{banner(RUNNING)}<h1>Conformance report</h1><p>Run started {esc(started)}. This report is written when the "
        f"run ends; until then these hold the tests finished so far: {links_html(links)}</p>"
    )
    return page("Conformance report — INCOMPLETE RUN", body)


def placeholder_junit(started: str) -> str:
    """The JUnit XML of a run that has not finished: one errored test case saying so."""
    suites = ET.Element("testsuites", name="conformance")
    suite = ET.SubElement(
        suites, "testsuite", name="conformance", errors="1", failures="0", skipped="0", tests="1", time="0",
        timestamp=started,
    )
    suite.append(_incomplete_case(f"{RUNNING} (started {started})"))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def mark_junit(path: Path, reason: str) -> None:
    """Add the errored INCOMPLETE RUN test case to a JUnit file pytest wrote for a run that stopped early."""
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        return
    root = tree.getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None or any(case.get("name") == CASE_NAME for case in suite.iter("testcase")):
        return
    suite.append(_incomplete_case(f"INCOMPLETE RUN — {reason}"))
    for counter in ("errors", "tests"):
        suite.set(counter, str(int(suite.get(counter, "0")) + 1))
    write_atomically(path, ET.tostring(root, encoding="unicode", xml_declaration=True))


def _incomplete_case(message: str) -> ET.Element:
    case = ET.Element("testcase", classname="conformance", name=CASE_NAME, time="0")
    error = ET.SubElement(case, "error", message=message, type="IncompleteRun")
    error.text = message
    return case
