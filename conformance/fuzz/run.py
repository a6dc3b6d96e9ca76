"""One fuzz run against the session's target: sending cases within the budget, checking them, probing token reuse."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from schemathesis import Case, Response

from conformance.contract import openapi
from conformance.fuzz import checks, findings, nearmiss, shaping, wire
from conformance.fuzz.budget import BudgetExhausted, FuzzBudget, Meter
from conformance.fuzz.options import CASES_PROPERTY, CHAINS_PROPERTY, DISAGREEMENT_PROPERTY
from conformance.target import EMBEDDED, EMBEDDED_HTTP, Target
from conformance.verdicts import Severity, Verdict
from conformance.walker.sspr import PENDING_POLL

EMBEDDED_TARGETS = frozenset({EMBEDDED, EMBEDDED_HTTP})
TOKEN_RULE = "R-TOKEN-SINGLE-USE"
NEAR_MISS = "near miss"
#: Checks that judge a rule of their own rather than the endpoint's documented answers.
CHECK_RULES = {"not_a_server_error": "R-NO-SERVER-ERROR", "negative_data_rejection": "R-INVALID-REQUEST-REFUSED"}


def is_redirect(body: Any) -> bool:
    """The web-fallback answer (`challenge_type: redirect`), which accepts nothing."""
    return isinstance(body, dict) and body.get("challenge_type") == "redirect"


@dataclass
class FuzzRun:
    """Everything fuzz tests share in one session: target, budget meter, HTTP client and tallies."""

    target: Target
    budget: FuzzBudget
    meter: Meter
    http: httpx.Client
    cases: dict[str, Counter[str]] = field(default_factory=dict)
    chains: dict[str, Counter[str]] = field(default_factory=dict)
    found: findings.Findings = field(default_factory=findings.Findings)
    probed: set[tuple[str, str, str]] = field(default_factory=set)  # (path, field, value) this test judged

    @classmethod
    def open(cls, target: Target, budget: FuzzBudget, *, workers: int = 1) -> FuzzRun:
        """A run paced as the target's profile says (`workers`: processes sharing the budget and the pace)."""
        meter = Meter(budget, requests_per_second=target.profile.pacing.requests_per_second, workers=workers)
        return cls(target, budget, meter, httpx.Client(transport=target.transport, timeout=30))

    def close(self) -> None:
        self.http.close()

    @property
    def base_url(self) -> str:
        return self.target.profile.base_url

    def begin(self) -> findings.Findings:
        """Fresh findings and tallies for the test about to run."""
        self.found, self.cases, self.chains, self.probed = findings.Findings(), {}, {}, set()
        return self.found

    def execute(self, case: Case, label: str) -> Response:
        """Send one case (BudgetExhausted when the budget is spent), check the answer, probe token reuse."""
        self.meter.acquire()
        prepared = wire.prepare(case, self.base_url)
        requirement = openapi.operation(case.path).doc_tag
        try:
            response = wire.send(self.http, prepared)
        except httpx.TransportError as exc:
            self.report(case, None, "transport", f"the request failed: {type(exc).__name__}", str(exc), False)
            raise
        invalid = checks.sent_problems(case, prepared)
        if label == "negative" and not invalid:
            label = "negative turned valid"  # held to the positive checks only (see `checks`)
        self.cases.setdefault(shaping.operation_id(case), Counter())[label] += 1
        self.found.checked.update((requirement, *CHECK_RULES.values()))
        if response.status_code == 429:
            self._throttled(case, response)
            return response
        checks.evaluate(case, response, lambda *args: self.report(case, response, *args), invalid)
        self._probe_reuse(case, response)
        return response

    def probe_near_misses(self, case: Case) -> None:
        """Before a live chain step, send its near misses (see `nearmiss`); each documented value of a field is judged
        once per test, on the first live request of its step."""
        judged = nearmiss.candidates(case, skip=self.probed)
        self.probed.update((case.path, name, value) for name, value in judged)
        for name, value in nearmiss.misses(case, judged):
            try:
                self.execute(nearmiss.variant(case, name, value), NEAR_MISS)
            except BudgetExhausted:
                return

    def report(
        self, case: Case, response: Response | None, check: str, title: str, detail: str, warning: bool,
        *, requirement: str | None = None, note: str = "",
    ) -> None:
        """Record one problem of a case with its reproducer."""
        requirement = requirement or CHECK_RULES.get(check) or openapi.operation(case.path).doc_tag
        seed = f"found with --fuzz-seed {self.budget.seed}"
        reproducer = findings.reproducer(case, response, self.base_url, note=f"{note}\n  {seed}" if note else seed)
        self.found.add(findings.Finding(check, requirement, title, _indent(detail), reproducer, warning))

    def _throttled(self, case: Case, response: Response) -> None:
        retry_after = response.headers.get("retry-after", ["1"])[0]
        seconds = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else 1.0
        self.meter.hold(min(seconds, self.target.profile.pacing.max_retry_after_s))
        self.report(case, response, "throttled", "the target throttled the fuzzer (HTTP 429)",
                    "the answer was not checked; lower the pacing or the budget", True)

    def _probe_reuse(self, case: Case, response: Response) -> None:
        """After a 200 that accepted a continuation token, send the same request again: it must be refused."""
        fields = wire.form(response.request) or {}
        if response.status_code != 200 or not fields.get("continuation_token") or not _takes_token(case):
            return
        body = wire.json_body(response)
        if is_redirect(body):
            return
        polled = shaping.operation_id(case) == "ssprPollCompletion"
        if polled and isinstance(body, dict) and body.get("status") in PENDING_POLL:
            return  # ERR-71: a pending poll leaves E14's token usable until the reset is done
        self.found.checked.add(TOKEN_RULE)
        try:
            self.meter.acquire()
        except BudgetExhausted:
            return
        replay = wire.send(self.http, response.request)
        if replay.status_code == 200 and not is_redirect(wire.json_body(replay)):
            self.report(
                case, replay, "token_reuse", f"{case.operation.label} accepted the same continuation token twice",
                "a continuation token is single-use: the second, identical request must be refused",
                False, requirement=TOKEN_RULE,
                note="send this request twice (the token came from the previous step): the second answer accepted it",
            )

    def conclude(self, verdict: Verdict, record: Any) -> None:
        """Hand this test's findings to the verdict (warnings included) and its tallies to the report."""
        for requirement in sorted(self.found.checked):
            verdict.check(True, requirement, "")
        for requirement, text in self.found.grouped(warning=True):
            verdict.check(False, requirement, text, severity=Severity.WARNING)
        for item in self.found.warnings:
            if item.check == "schema_disagreement":
                record(DISAGREEMENT_PROPERTY, item.title)
        for requirement, text in self.found.grouped(warning=False):
            verdict.check(False, requirement, text)
        record(CASES_PROPERTY, json.dumps({op: dict(counts) for op, counts in self.cases.items()}))
        if self.chains:
            record(CHAINS_PROPERTY, json.dumps({flow: dict(counts) for flow, counts in self.chains.items()}))


def _takes_token(case: Case) -> bool:
    """Whether the case's operation takes a continuation token (elsewhere the field is an unknown one, ignored)."""
    return any(parameter.name == "continuation_token" for parameter in openapi.operation(case.path).parameters)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.strip().splitlines())
