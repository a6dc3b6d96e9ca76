"""`traceability.html`: the specification view, rule → tests → verdicts, readable on its own (inline CSS, anchors).

Sections: requirements no test covered (red, first), endpoints and steps, error rows, cross-cutting rules, any other
ids tests cited, and the errata with their rulings. Built from a summary document (`summary.build`), so it shows
exactly what summary.json says.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from conformance.contract import errata, errors, openapi, schemas
from conformance.report.pages import banner, esc, links_html, page, pill, run_facts, warnings_html
from conformance.report.results import PRECEDENCE

FILENAME = "traceability.html"
#: Requirements with more tests than this list the non-passing ones and fold the rest.
FOLD_AFTER = 6
INCOMPLETE = "INCOMPLETE RUN — these results cover only the tests that finished before the run stopped"


def _anchor(requirement_id: str) -> str:
    return f"req-{requirement_id}"


def _counts(entries: list[dict[str, Any]]) -> str:
    tally = Counter(entry["verdict"] for entry in entries)
    covered = len(entries) - tally["not_covered"]
    parts = [f"{len(entries)} rows", f"{covered} covered"] + [
        f"{tally[v]} {v.replace('_', ' ')}" for v in PRECEDENCE[:-1] if tally[v]
    ]
    return f'<span class="counts">({" · ".join(parts)})</span>'


class _View:
    """Renders one summary document; knows where each test's transcript page is."""

    def __init__(self, data: dict[str, Any], links: dict[str, str]) -> None:
        self.data = data
        self.links = links
        self.by_id = {entry["id"]: entry for entry in data["requirements"]}
        self.transcripts = {
            test["nodeid"]: test["transcript"].removesuffix(".json") + ".html"
            for test in data["tests"]
            if test.get("transcript")
        }

    def pill(self, test: dict[str, str]) -> str:
        """A test's verdict, linking to its transcript page."""
        name = test["nodeid"].rsplit("::", 1)[-1]
        return pill(test["verdict"], name, self.transcripts.get(test["nodeid"]), title=test["nodeid"])

    def tests(self, requirement_id: str) -> str:
        """The tests of a requirement, worst first; a long list shows the non-passing ones and folds the rest."""
        tests = sorted(self.by_id[requirement_id]["tests"], key=lambda test: PRECEDENCE.index(test["verdict"]))
        if len(tests) <= FOLD_AFTER:
            return " ".join(self.pill(test) for test in tests) or '<span class="muted">—</span>'
        tally = Counter(test["verdict"] for test in tests)
        counts = ", ".join(
            f"{n} {v.replace('_', ' ')}" for v, n in sorted(tally.items(), key=lambda i: PRECEDENCE.index(i[0]))
        )
        shown = " ".join(self.pill(test) for test in tests if test["verdict"] != "pass")
        folded = " · ".join(self.link(test) for test in tests)
        return f"{shown}<details><summary>{len(tests)} tests: {esc(counts)}</summary>{folded}</details>"

    def link(self, test: dict[str, str]) -> str:
        """A compact link to a test's transcript, coloured by verdict (for long, folded lists)."""
        name = esc(test["nodeid"].rsplit("::", 1)[-1])
        href = self.transcripts.get(test["nodeid"])
        return f'<a class="v-{test["verdict"]}" href="{esc(href)}">{name}</a>' if href else f"<span>{name}</span>"

    def row(self, requirement_id: str, cells: list[str]) -> str:
        entry = self.by_id[requirement_id]
        css = ' class="uncovered"' if entry["verdict"] == "not_covered" else ""
        first = f'<td><a href="#{esc(_anchor(requirement_id))}"><code>{esc(requirement_id)}</code></a></td>'
        tail = f'<td>{pill(entry["verdict"])}</td><td class="tests">{self.tests(requirement_id)}</td>'
        return f'<tr id="{esc(_anchor(requirement_id))}"{css}>{first}{"".join(cells)}{tail}</tr>'

    def table(self, head: list[str], rows: list[str]) -> str:
        header = "".join(f"<th>{esc(h)}</th>" for h in ["Id", *head, "Verdict", "Tests"])
        return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"

    def section(self, anchor: str, title: str, kinds: tuple[str, ...], body: str) -> str:
        entries = [e for e in self.data["requirements"] if e["kind"] in kinds]
        return f'<h2 id="{anchor}">{esc(title)} {_counts(entries)}</h2>{body}'


def _endpoints(view: _View) -> str:
    paths = {op.doc_tag: (op.path, f"{op.doc_source} · {op.doc_section}") for op in openapi.operations()}
    tables = errors.table().tables
    rows = []
    for entry in (e for e in view.data["requirements"] if e["kind"] == "endpoint"):
        info = tables.get(entry["id"])
        path, source = paths.get(entry["id"], (info.endpoint if info else "", entry["source"]))
        step = f' <span class="muted">grant_type={esc(info.grant_type)}</span>' if info and info.grant_type else ""
        cells = [f"<td><code>{esc(path)}</code>{step}</td>", f'<td class="src">{esc(source)}</td>']
        rows.append(view.row(entry["id"], cells))
    return view.table(["Path", "Source"], rows)


def _trigger(kind: str, how: str) -> str:
    if kind in ("cannot", "fault"):
        return f"<b>{esc(kind)}</b>: {esc(how)}"
    return f'<span title="{esc(how)}">{esc(kind)}</span>'


def _error_rows(view: _View) -> str:
    rows = []
    for row in errors.table():
        cells = [
            f"<td>{row.status}</td>",
            f'<td class="tok"><code>{esc(row.error)}</code></td>',
            f'<td class="tok"><code>{esc(row.suberror or "")}</code></td>',
            f"<td>{esc(', '.join(str(code) for code in row.aadsts))}</td>",
            f'<td class="trig">{_trigger(row.trigger.kind, row.trigger.how)}</td>',
            f'<td class="src">{esc(row.source.tag)} · {esc(row.source.section)}</td>',
        ]
        rows.append(view.row(row.id, cells))
    return view.table(["Status", "error", "suberror", "AADSTS", "Trigger", "Source"], rows)


def _fields(entry: dict[str, Any]) -> str:
    """The schema properties whose basis is this rule (`x-rule`), e.g. an observed `client_info`."""
    names = [where.removeprefix(schemas.BASE_URI) for where in entry.get("fields", ())]
    return "".join(f'<br><span class="small">schema field <code>{esc(name)}</code></span>' for name in names)


def _rules(view: _View, kinds: tuple[str, ...]) -> str:
    rows = [
        view.row(
            e["id"],
            [f"<td>{esc(e['section'])}</td>", f"<td>{esc(e['rule'])}{_fields(e)}</td>", f"<td>{esc(e['source'])}</td>"],
        )
        for e in view.data["requirements"]
        if e["kind"] in kinds
    ]
    return view.table(["Section", "Rule", "Source"], rows)


def _not_covered(view: _View) -> str:
    missing = [e for e in view.data["requirements"] if e["verdict"] == "not_covered"]
    reasons = {row.id: row.trigger for row in errors.table()}
    rows = []
    for entry in missing:
        trigger = reasons.get(entry["id"])
        why = f"<b>{esc(trigger.kind)}</b>: {esc(trigger.how)}" if trigger else esc(entry["rule"])
        rows.append(
            f'<tr class="uncovered"><td><a href="#{esc(_anchor(entry["id"]))}"><code>{esc(entry["id"])}</code></a></td>'
            f"<td>{esc(entry['kind'])}</td><td>{esc(entry['section'])}</td><td>{why}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("Id", "Kind", "Section", "Rule or trigger"))
    body = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>" if rows else "<p>None.</p>"
    kinds = ", ".join(f"{n} {kind}" for kind, n in Counter(e["kind"] for e in missing).items())
    counts = f"{len(missing)} rows" + (f": {kinds}" if kinds else "")
    return f'<h2 id="not-covered" class="bad">Not covered <span class="counts">({counts})</span></h2>{body}'


def _errata() -> str:
    rows = []
    for item in errata.errata():
        rows_links = " ".join(f'<a href="#{esc(_anchor(r))}"><code>{esc(r)}</code></a>' for r in item.rows)
        rows.append(
            f'<tr id="{esc(item.id)}"><td><code>{esc(item.id)}</code></td><td>{esc(item.title)}</td>'
            f"<td>{pill('fail' if item.verdict == 'fail' else 'warning', item.verdict)}</td>"
            f"<td>{esc(item.ruling)}</td><td>{rows_links}</td><td>{esc(', '.join(item.sources))}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("Id", "Title", "Verdict if other reading", "Ruling", "Rows", "Sources"))
    return (
        f'<h2 id="errata">Errata and rulings <span class="counts">({len(rows)} errata)</span></h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _header(data: dict[str, Any], links: dict[str, str]) -> str:
    run = data["run"]
    link_html = links_html(links)
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in run_facts(run))
    toc = " ".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("not-covered", "Not covered"),
            ("endpoints", "Endpoints"),
            ("error-rows", "Error rows"),
            ("rules", "Rules"),
            ("errata", "Errata"),
        )
    )
    return (
        (banner(INCOMPLETE) if not run["complete"] else "")
        + f'<h1>Traceability — specification view</h1><p class="small">{link_html}</p>'
        + f'<table class="meta">{rows}</table>{warnings_html(data.get("warnings", []))}<p class="toc">{toc}</p>'
    )


def render(data: dict[str, Any], links: dict[str, str]) -> str:
    """The traceability page for a summary document; `links` names the other reports (relative hrefs)."""
    view = _View(data, links)
    others = tuple(sorted({e["kind"] for e in data["requirements"]} - {"endpoint", "error-row", "rule"}))
    body = (
        _header(data, links)
        + _not_covered(view)
        + view.section("endpoints", "Endpoints and steps", ("endpoint",), _endpoints(view))
        + view.section("error-rows", "Error rows (specs/errors.yaml)", ("error-row",), _error_rows(view))
        + view.section("rules", "Cross-cutting rules (specs/rules.yaml)", ("rule",), _rules(view, ("rule",)))
        + (view.section("other", "Other requirement ids cited", others, _rules(view, others)) if others else "")
        + _errata()
    )
    return page("Traceability — conformance", body)
