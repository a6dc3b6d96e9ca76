"""Seconds the report plugin spends redacting and writing transcripts, on made-up traffic of a given shape.

    .venv/bin/python benchmarks/report_scrub.py [--tests 300] [--exchanges 6]

Per test: N exchanges carrying fresh continuation/access tokens, passwords and codes (the secrets a test's client
saw); three phase reports with a failure text, then the transcript's JSON and HTML files, as in a suite run.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from pathlib import Path

from conformance.client import Exchange
from conformance.redaction import redact_form, redact_json
from conformance.report import transcripts
from conformance.report.scrub import scrub_data


def made_up_test(exchanges: int) -> tuple[list[dict], set[str]]:
    """The exchanges of one test (as recorded: redacted) and the raw secrets they carried."""
    seen: set[str] = set()
    recorded = []
    for _ in range(exchanges):
        sent, answered = "AQAB" + secrets.token_urlsafe(300), "AQAB" + secrets.token_urlsafe(300)
        access = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(400) + "." + secrets.token_urlsafe(80)
        password, code = "Pass-" + secrets.token_hex(6), f"{secrets.randbelow(10**8):08d}"
        seen |= {sent, answered, access, password, code}
        form = {"continuation_token": sent, "password": password, "oob": code, "username": "casey@contoso.com"}
        exchange = Exchange("signupContinue", "POST", "http://m/x", {"client-request-id": "1"}, redact_form(form), "")
        exchange.status, exchange.response_body = 200, redact_json({"continuation_token": answered, "id_token": access})
        recorded.append(exchange.as_dict())
    return recorded, seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=300)
    parser.add_argument("--exchanges", type=int, default=6)
    args = parser.parse_args()
    runs = [made_up_test(args.exchanges) for _ in range(args.tests)]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for n, (recorded, seen) in enumerate(runs):
            failure = f"AssertionError: expected 'x', got {next(iter(seen))!r}\n" + "  frame line\n" * 40
            for _ in ("setup", "call", "teardown"):
                scrub_data({"longrepr": failure, "sections": [["Captured stdout call", failure]]}, seen)
            doc = transcripts.document(f"t.py::test_{n}", {"verdict": "pass"}, recorded, {"failures": [failure]})
            transcripts.write(Path(folder), doc, seen)
        seconds = time.perf_counter() - started
    secrets_per_test = len(runs[0][1])
    print(f"{args.tests} tests x {args.exchanges} exchanges ({secrets_per_test} secrets each): {seconds:.2f} s")


if __name__ == "__main__":
    main()
