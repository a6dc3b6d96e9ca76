"""The outputs of a run exist and tell the same story: summary.json, junit.xml, conformance.html, traceability.html."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from conformance.contract import errors, requirements
from conformance.report.results import PRECEDENCE


def _html_data(run: Any) -> dict[str, Any]:
    """The test data pytest-html embeds in its page."""
    page = (run.reports / "conformance.html").read_text(encoding="utf-8")
    blob = re.search(r'data-jsonblob="(.*?)"></div>', page, re.S)
    assert blob, "no data blob in conformance.html"
    return json.loads(html.unescape(blob[1]))


def test_every_output_is_written(suite_run):
    names = {p.name for p in suite_run.reports.iterdir()}
    assert {"conformance.html", "traceability.html", "junit.xml", "summary.json", "transcripts"} <= names
    assert "conformance reports:" in suite_run.output
    assert suite_run.returncode == 1, suite_run.output  # the deliberately false test fails the run


def test_summary_describes_the_run(suite_run):
    run = suite_run.summary["run"]
    assert (run["target"], run["profile"], run["complete"], run["stopped"]) == ("mock", "mock", True, "")
    assert run["conformance_version"] and run["spec_version"] and run["started"] <= run["finished"]
    totals = run["totals"]
    assert totals["tests"] == totals["collected"] == len(suite_run.summary["tests"])
    assert sum(totals[v] for v in PRECEDENCE[:-1]) == totals["tests"]


def test_each_verdict_reaches_the_summary(suite_run):
    false = suite_run.test("test_deliberately_false")
    expected = {"E1": "fail", "R-RESPONSE-JSON": "pass"}  # every test that talked to the target checks Content-Type
    assert (false["outcome"], false["verdict"], false["per_requirement"]) == ("failed", "fail", expected)
    assert false["rule"].startswith("A sign-up start answers with a continuation token equal to a made-up value")
    warned = suite_run.test("test_passes_with_a_warning")
    assert (warned["outcome"], warned["verdict"]) == ("passed", "warning")
    assert warned["warnings"] == ["[R-CORRELATION-HEADERS] observed in client libraries only (report test)"]
    skipped = suite_run.test("test_skips_with_the_profile_reason")
    assert (skipped["verdict"], skipped["reason"]) == (
        "skipped",
        "target profile: the report test's tenant has no such feature",
    )
    errored = suite_run.test("test_harness_error")
    assert (errored["outcome"], errored["verdict"], errored["per_requirement"]) == ("failed", "error", {"E4": "error"})


def test_the_terminal_and_the_summary_agree_on_fail_and_error(suite_run):
    """pytest's own tallies count a harness error in a test body as an error, as summary.json does, not as a fail."""
    totals = suite_run.summary["run"]["totals"]
    last = [line for line in suite_run.output.splitlines() if re.search(r"\d+ passed.* in [\d.]+s", line)][-1]
    counts = {word.rstrip("s"): int(n) for n, word in re.findall(r"(\d+) (failed|errors?)", last)}
    assert (counts.get("failed", 0), counts.get("error", 0)) == (totals["fail"], totals["error"]) == (1, 1), last


def test_each_warned_rule_shows_once_with_its_tests(suite_run):
    """summary.json, the HTML header, the traceability page and the terminal list each warned rule once."""
    [warned] = suite_run.summary["warnings"]
    assert (warned["requirement"], warned["basis"], warned["tests"]) == ("R-CORRELATION-HEADERS", "observed", 1)
    assert warned["nodeids"][0].endswith("::test_passes_with_a_warning")
    assert "conformance: 1 rule(s) warned, each once, with its tests:" in suite_run.output
    assert "R-CORRELATION-HEADERS (observed, 1 test): observed in client libraries only" in suite_run.output
    for page in ("conformance.html", "traceability.html"):
        assert 'id="conformance-warnings"' in (suite_run.reports / page).read_text(encoding="utf-8"), page


def test_requirements_aggregate_their_tests(suite_run):
    by_id = {r["id"]: r for r in suite_run.summary["requirements"]}
    assert {row.id for row in errors.table()} | {rule.id for rule in requirements.rules()} <= by_id.keys()
    assert by_id["E1"]["verdict"] == "fail"
    assert any(t["nodeid"].endswith("::test_deliberately_false") for t in by_id["E1"]["tests"])
    assert by_id["R-CORRELATION-HEADERS"]["verdict"] == "warning"
    assert by_id["E4"]["verdict"] == "error"
    assert any(r["verdict"] == "not_covered" and not r["tests"] for r in by_id.values())
    for entry in by_id.values():
        assert entry["kind"] in ("endpoint", "error-row", "rule")
        assert entry["section"]
    assert [field.rsplit("/schemas/", 1)[1] for field in by_id["R-CLIENT-INFO"]["fields"]] == [
        "common/form.json#/$defs/client_info",
        "common/token.json#/properties/client_info",
    ]
    assert by_id["R-TOKEN-SINGLE-USE"]["fields"] == []
    traceability = (suite_run.reports / "traceability.html").read_text(encoding="utf-8")
    assert "schema field <code>common/token.json#/properties/client_info</code>" in traceability


def test_transcripts_are_files_the_summary_points_to(suite_run):
    with_transcript = [t for t in suite_run.summary["tests"] if t["transcript"]]
    assert with_transcript
    for test in with_transcript:
        doc = json.loads((suite_run.reports / test["transcript"]).read_text(encoding="utf-8"))
        assert doc["nodeid"] == test["nodeid"] and len(doc["exchanges"]) == test["exchanges"] > 0
        assert (suite_run.reports / test["transcript"]).with_suffix(".html").is_file()


def test_junit_agrees_with_the_summary_and_stays_small(suite_run):
    tree = ET.parse(suite_run.reports / "junit.xml")
    cases = {case.get("name"): case for case in tree.iter("testcase")}
    assert len(cases) == len(suite_run.summary["tests"])
    for test in suite_run.summary["tests"]:
        case = cases[test["nodeid"].rsplit("::", 1)[-1]]
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert properties["conformance.verdict"] == test["verdict"]
        assert properties["conformance.requirements"] == " ".join(test["requirements"])
        assert properties.get("conformance.transcript") == test["transcript"]
        assert all(len(value) < 300 for value in properties.values())
    text = (suite_run.reports / "junit.xml").read_text(encoding="utf-8")
    assert "response_body" not in text and "request_form" not in text


def test_html_rows_carry_verdict_rule_requirements_and_links(suite_run):
    data = _html_data(suite_run)
    rows = {nodeid.rsplit("::", 1)[-1]: entries[-1] for nodeid, entries in data["tests"].items()}
    assert len(rows) == len(suite_run.summary["tests"])
    false = rows["test_deliberately_false"]
    cells = " ".join(false["resultsTableRow"])
    assert 'class="col-verdict"' in cells and ">fail<" in cells
    assert "continuation token equal to a made-up value" in cells and "traceability.html#req-E1" in cells
    links = [e["content"] for e in false["extras"] if e["format_type"] == "url"]
    assert sorted(link.rsplit(".", 1)[-1] for link in links) == ["html", "json"]
    for row in rows.values():
        for extra in row["extras"]:
            assert extra["format_type"] != "url" or (suite_run.reports / extra["content"]).is_file()
    skipped = " ".join(rows["test_skips_with_the_profile_reason"]["resultsTableRow"])
    assert "the report test&#x27;s tenant has no such feature" in skipped
    page = (suite_run.reports / "conformance.html").read_text(encoding="utf-8")
    assert 'id="conformance-run"' in page and 'href="traceability.html"' in page and "INCOMPLETE RUN" not in page
    assert "https://" not in page.replace("https://pypi.python.org/pypi/pytest-html", "")


def test_traceability_lists_every_row_and_what_is_not_covered(suite_run):
    page = (suite_run.reports / "traceability.html").read_text(encoding="utf-8")
    for row in errors.table():
        assert f'id="req-{row.id}"' in page
    for rule in requirements.rules():
        assert f'id="req-{rule.id}"' in page
    assert page.index('id="not-covered"') < page.index('id="endpoints"') < page.index('id="errata"')
    assert 'href="conformance.html"' in page and "INCOMPLETE RUN" not in page
