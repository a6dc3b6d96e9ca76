"""The pytest-html report's own parts: run header, INCOMPLETE banner, and the Verdict / Rule / Requirements columns."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import pytest

from conformance.contract import requirements
from conformance.report.pages import esc, links_html, run_facts, warnings_html
from conformance.report.results import LABELS, RECORD

COLOURS = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "error": "#8250df",
    "warning": "#bf8700",
    "expected_deviation": "#0969da",
    "skipped": "#6e7781",
}
BANNER_STYLE = "background:#cf222e;color:#fff;font-weight:700;padding:10px 14px;border-radius:6px;font-size:16px"


@cache
def doc_source(requirement_id: str) -> str:
    """`E1.user_already_exists: §E1 Errors [S1]`, or the id alone when it resolves to nothing."""
    try:
        found = requirements.resolve(requirement_id)
    except KeyError:
        return requirement_id
    return f"{requirement_id}: {found.section} [{found.source}]"


def header_cells(cells: list[str]) -> None:
    """Insert the Verdict, Rule and Requirements columns after the Test column."""
    cells[2:2] = [
        '<th class="sortable" data-column-type="verdict">Verdict</th>',
        "<th>Rule and doc source</th>",
        "<th>Requirements</th>",
    ]


def row_cells(report: pytest.TestReport, cells: list[str], traceability_href: str) -> None:
    """Fill the three columns from the test's record (empty for collection errors)."""
    record: dict[str, Any] = getattr(report, RECORD, None) or {}
    verdict = record.get("verdict") or ""
    reason = record.get("reason", "")
    label = LABELS.get(verdict, verdict)
    style = f' style="color:{COLOURS[verdict]};font-weight:600"' if verdict in COLOURS else ""
    title = f' title="{esc(reason)}"' if reason else ""
    ids = record.get("requirements", [])
    sources = "; ".join(doc_source(rid) for rid in ids)
    links = " ".join(f'<a href="{esc(traceability_href)}#req-{esc(rid)}">{esc(rid)}</a>' for rid in ids)
    skip = f"<div><i>{esc(reason)}</i></div>" if verdict == "skipped" and reason else ""
    cells[2:2] = [
        f'<td class="col-verdict"{style}{title}>{esc(label)}</td>',
        f'<td class="col-rule">{esc(record.get("rule", ""))}{skip}'
        f'<div style="color:#57606a;font-size:11px">{esc(sources)}</div></td>',
        f'<td class="col-requirements">{links}</td>',
    ]


def run_header(run: dict[str, Any], links: dict[str, str], warnings: Iterable[dict[str, Any]] = ()) -> str:
    """The run's target, profile, versions, times and totals, each warned rule once, and links to the other
    reports."""
    table = "".join(f"<tr><td><b>{esc(k)}</b></td><td>{esc(v)}</td></tr>" for k, v in run_facts(run))
    return (
        f'<p id="conformance-links">{links_html(links)}</p><table id="conformance-run">{table}</table>'
        + warnings_html(list(warnings))
    )


def banner(text: str) -> str:
    """The INCOMPLETE RUN banner (inline style: pytest-html's stylesheet knows nothing of it)."""
    return f'<div id="incomplete" style="{BANNER_STYLE}">{esc(text)}</div>'
