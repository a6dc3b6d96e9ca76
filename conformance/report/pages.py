"""What the report's own HTML pages share: one small inline stylesheet, verdict pills, escaping. No external assets."""

from __future__ import annotations

from html import escape
from typing import Any

from conformance import skips
from conformance.report.results import LABELS

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1600px;
padding:16px 24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:4px 0 8px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
a{color:#0969da}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px;overflow:auto;white-space:pre-wrap;
word-break:break-all;margin:4px 0}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
tr:target{outline:2px solid #0969da}
.meta td:first-child{width:12em;color:#57606a}
.muted{color:#57606a}
.small{font-size:12px}
.pill{display:inline-block;border-radius:10px;padding:0 7px;font-size:12px;font-weight:600;white-space:nowrap;
margin:1px 2px 1px 0;color:#fff;background:#6e7781;text-decoration:none}
.pill.pass{background:#1a7f37}
.pill.fail{background:#cf222e}
.pill.error{background:#8250df}
.pill.warning{background:#bf8700}
.pill.expected_deviation{background:#0969da}
.pill.skipped{background:#6e7781}
.pill.not_covered{background:#fff;color:#cf222e;border:1px solid #cf222e}
.banner{background:#cf222e;color:#fff;font-weight:700;padding:10px 14px;border-radius:6px;margin:8px 0;font-size:16px}
.uncovered td{color:#cf222e}
.v-fail,.v-error{color:#cf222e;font-weight:600}
td.tests .pill{white-space:normal;overflow-wrap:anywhere}
td.tests{min-width:16em}
td.src{font-size:12px;color:#57606a;min-width:10em}
td code{overflow-wrap:anywhere}
td:first-child{min-width:15em}
td.tok{min-width:11em}
td.trig{min-width:14em}
.v-warning{color:#9a6700}
.uncovered td a{color:#cf222e}
.toc a{margin-right:14px}
.counts{color:#57606a;font-weight:400;font-size:13px}
.exchange{border:1px solid #d0d7de;border-radius:6px;margin:10px 0;padding:6px 10px}
.exchange h3{margin:2px 0}
.bad{color:#cf222e}
details>summary{cursor:pointer;color:#57606a}
"""


def esc(value: object) -> str:
    """HTML-escaped text of any value."""
    return escape(str(value), quote=True)


def pill(verdict: str, text: str | None = None, href: str | None = None, title: str = "") -> str:
    """A coloured verdict label, optionally a link."""
    label = esc(text if text is not None else LABELS.get(verdict, verdict))
    tip = f' title="{esc(title)}"' if title else ""
    if href:
        return f'<a class="pill {esc(verdict)}" href="{esc(href)}"{tip}>{label}</a>'
    return f'<span class="pill {esc(verdict)}"{tip}>{label}</span>'


def banner(text: str) -> str:
    """The red banner of an incomplete run."""
    return f'<div class="banner" id="incomplete">{esc(text)}</div>'


def page(title: str, body: str) -> str:
    """A complete standalone HTML page with the shared inline stylesheet."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def run_facts(run: dict[str, Any]) -> list[tuple[str, str]]:
    """The run's target, versions, times, verdict totals and completeness, as (label, text) rows."""
    totals = ", ".join(f"{n} {LABELS.get(k, k)}" for k, n in run["totals"].items() if n or k == "tests")
    return [
        ("Target", f"{run['target']} (profile {run['profile']})"),
        (
            "Versions",
            f"conformance {run['conformance_version']}, specification {run['spec_version']}"
            f" (documentation of {run['doc_date']})",
        ),
        ("Started / finished", f"{run['started']} / {run['finished'] or '—'} ({run['duration_s']} s)"),
        ("Verdicts", totals),
        ("Complete", "yes" if run["complete"] else f"NO — {run['stopped'] or 'the run did not finish'}"),
        *_skip_facts(run.get("skips")),
    ]


def _skip_facts(found: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The skips, counted: the headline, then the reasons of each category with their counts."""
    if not found or not found["total"]:
        return []
    rows = [("Skipped", skips.headline(found))]
    for name, count in found["by_category"].items():
        items = [item for item in found["by_reason"] if item["category"] == name]
        reasons = " · ".join(f"{item['tests']} {item['reason']}" for item in items)
        rows.append((f"{skips.CATEGORIES[name][1].capitalize()} ({count})", reasons))
    return rows
def warnings_html(warnings: list[dict[str, Any]]) -> str:
    """The run's warnings, once per rule: the rule and its basis, how many tests, the first message."""
    if not warnings:
        return ""
    rows = "".join(
        f"<tr><td>{esc(w['requirement'])}</td><td>{esc(w['basis'])}</td><td>{w['tests']}</td>"
        f"<td>{esc(w['message'])}</td></tr>"
        for w in warnings
    )
    head = "<tr><th>Warned rule</th><th>Basis</th><th>Tests</th><th>First finding</th></tr>"
    return f'<table id="conformance-warnings"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def links_html(links: dict[str, str]) -> str:
    """Links to the other reports, separated by dots."""
    return " · ".join(f'<a href="{esc(href)}">{esc(name)}</a>' for name, href in links.items())
