"""Each test's HTTP transcript as files beside the report: `transcripts/<safe-nodeid>.json` and a readable `.html`.

Written by the worker that ran the test, so nothing large travels to the xdist controller or stays in memory
(pytest-html #814, #684); the HTML report links to them and embeds only small ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.report.pages import esc, page, pill
from conformance.report.scrub import scrub_data, scrub_headers

DIRNAME = "transcripts"
#: Transcripts up to this size (JSON, bytes) are also embedded in the HTML report's row.
EMBED_LIMIT = 4096


def safe_name(nodeid: str) -> str:
    """A file-system-safe, unique stem (no dots) for a test id: readable part plus a short hash of the whole id."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", nodeid).strip("_")[-80:].lstrip("_")
    return f"{stem}-{hashlib.sha256(nodeid.encode()).hexdigest()[:8]}"


def document(
    nodeid: str, record: dict[str, Any], exchanges: list[dict[str, Any]], findings: dict[str, list[str]]
) -> dict[str, Any]:
    """The transcript's JSON document: the test, its verdict and findings, and every exchange."""
    return {
        "nodeid": nodeid,
        "rule": record.get("rule", ""),
        "verdict": record.get("verdict"),
        "reason": record.get("reason", ""),
        "requirements": record.get("requirements", []),
        "findings": findings,
        "exchanges": [
            {
                **exchange,
                "request_headers": scrub_headers(exchange.get("request_headers", {})),
                "response_headers": scrub_headers(exchange.get("response_headers", {})),
            }
            for exchange in exchanges
        ],
    }


def write(reports_dir: Path, doc: dict[str, Any], secrets: Iterable[str]) -> tuple[str, dict[str, Any], int]:
    """Write the JSON and HTML files, scrubbed once more: the JSON path relative to `reports_dir`, the doc, its size."""
    doc = scrub_data(doc, secrets)
    folder = reports_dir / DIRNAME
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_name(doc["nodeid"])
    text = json.dumps(doc, indent=1, ensure_ascii=False, default=str)
    (folder / f"{stem}.json").write_text(text, encoding="utf-8")
    (folder / f"{stem}.html").write_text(render(doc), encoding="utf-8")
    return f"{DIRNAME}/{stem}.json", doc, len(text.encode())


def _json(value: Any) -> str:
    return esc(json.dumps(value, indent=2, ensure_ascii=False) if not isinstance(value, str) else value)


def _exchange(index: int, exchange: dict[str, Any]) -> str:
    status = exchange.get("status")
    errors = exchange.get("schema_errors") or []
    note = f' <span class="muted">({esc(exchange["note"])})</span>' if exchange.get("note") else ""
    schema = '<p class="bad">Schema: ' + "; ".join(esc(e) for e in errors) + "</p>" if errors else ""
    return (
        f'<div class="exchange" id="x{index}"><h3>{index}. {esc(exchange.get("method", ""))} '
        f"<code>{esc(exchange.get('url', ''))}</code> → <b>{esc(status if status is not None else 'no answer')}</b>"
        f' <span class="muted small">{esc(exchange.get("operation", ""))} · {esc(exchange.get("elapsed_ms", ""))} ms'
        f" · {esc(exchange.get('started_at', ''))}</span>{note}</h3>{schema}"
        f'<div class="small">Request form</div><pre>{_json(exchange.get("request_form", {}))}</pre>'
        f'<div class="small">Response body</div><pre>{_json(exchange.get("response_body"))}</pre>'
        f"<details><summary>Headers</summary><pre>{_json(exchange.get('request_headers', {}))}</pre>"
        f"<pre>{_json(exchange.get('response_headers', {}))}</pre></details></div>"
    )


def render(doc: dict[str, Any]) -> str:
    """The transcript as a small standalone page."""
    verdict = doc.get("verdict") or "pass"
    requirements = " ".join(
        f'<a href="../traceability.html#req-{esc(r)}"><code>{esc(r)}</code></a>' for r in doc["requirements"]
    )
    findings = "".join(
        f"<li><b>{esc(kind.replace('_', ' '))}</b>: {esc(text)}</li>"
        for kind, texts in doc.get("findings", {}).items()
        for text in texts
    )
    body = (
        '<p class="small"><a href="../traceability.html">Traceability (specification view)</a></p>'
        f"<h1>{esc(doc['nodeid'])}</h1><p>{esc(doc.get('rule', ''))}</p>"
        f'<table class="meta"><tr><td>Verdict</td><td>{pill(verdict)} {esc(doc.get("reason", ""))}</td></tr>'
        f"<tr><td>Requirements</td><td>{requirements}</td></tr>"
        f"<tr><td>Exchanges</td><td>{len(doc['exchanges'])}</td></tr></table>"
        + (f"<ul>{findings}</ul>" if findings else "")
        + "<h2>Transcript</h2>"
        + "".join(_exchange(i, x) for i, x in enumerate(doc["exchanges"], 1))
    )
    return page(f"Transcript — {doc['nodeid']}", body)


def compact(doc: dict[str, Any]) -> str:
    """A short plain-text view of the exchanges, for embedding in the HTML report's row."""
    lines = []
    for exchange in doc["exchanges"]:
        method, url, status = exchange.get("method"), exchange.get("url"), exchange.get("status")
        lines.append(f"{method} {url} → {status} ({exchange.get('elapsed_ms')} ms)")
        lines.append(f"  form: {json.dumps(exchange.get('request_form', {}), ensure_ascii=False)}")
        lines.append(f"  body: {json.dumps(exchange.get('response_body'), ensure_ascii=False)}")
    return "\n".join(lines)
