"""The checks every fuzzed response goes through: schemathesis's own, and the project's.

- schemathesis: `not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
  `response_schema_conformance`, `negative_data_rejection` (expected statuses in `loading`).
- ours: the error envelope with a documented `error` value; no echo of a password or OTP that was sent.

Two rulings, on purpose:

- **Schemas.** schemathesis validates with jsonschema-rs, the project with `conformance.contract.schemas` (python
  jsonschema, `x-verdict: warning` constraints left to warnings). The project's verdict decides; when the two disagree,
  the disagreement is reported as a WARNING finding (and in the run summary), never dropped.
- **Negative data.** A case is only held to `negative_data_rejection` when the request the target actually receives
  is invalid: another method or media type than the documented one, a header parameter its schema refuses, or a form,
  decoded from the wire (what form encoding made of the generated values), that the project's request schema refuses
  also with empty optional fields read as absent (form semantics). A negative case that became valid on the wire (a
  non-string value that encodes to a valid string, an unknown field) is sent and checked as positive data. Headers are
  judged too: a header constraint the target does not enforce is a finding, which either side may have to fix (issue
  15: the spec's GUID pattern on `client-request-id`, which no page states).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import requests
from schemathesis import Case, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.contract import openapi, schemas
from conformance.fuzz import wire
from conformance.redaction import MIN_SECRET_LENGTH

ENVELOPE_ID = schemas.BASE_URI + "common/error.json"
SECRET_FIELDS = ("password", "new_password", "oob")
Report = Callable[[str, str, str, bool], None]  # (check, title, detail, warning)
BUILTIN = (not_a_server_error, status_code_conformance, content_type_conformance)


def builtin(case: Case, response: Response, check: Callable[..., Any]) -> list[Failure]:
    """The failures one schemathesis check reports for this response."""
    try:
        case.validate_response(response, checks=[check])
    except FailureGroup as group:
        return [failure for failure in group.exceptions if isinstance(failure, Failure)]
    return []


def evaluate(case: Case, response: Response, report: Report, invalid: list[str] | None = None) -> None:
    """Run every check on one response; `report(check, title, detail, warning)` receives each problem (`invalid`:
    the case's `sent_problems`, when already known)."""
    path, status = case.path, response.status_code
    body = wire.json_body(response)
    fields = wire.form(response.request)
    for check in BUILTIN:
        for failure in builtin(case, response, check):
            report(check.__name__, failure.title, failure.message, False)
    _schema_agreement(case, response, body, report)
    invalid = sent_problems(case, response.request) if invalid is None else invalid
    if invalid:
        for failure in builtin(case, response, negative_data_rejection):
            detail = f"{failure.message.rstrip()}\nInvalid as sent: {'; '.join(invalid)}"
            report("negative_data_rejection", failure.title, detail, False)
    for problem in error_problems(path, status, body):
        report("error_envelope", problem, f"HTTP {status} error body: {problem}", False)
    for name in echoed_secrets(fields, dict(response.request.headers), response, body):
        report("secret_echo", f"the response echoes the `{name}` that was sent", "a sent secret came back", False)


def _schema_agreement(case: Case, response: Response, body: Any, report: Report) -> None:
    """Schema conformance: the project's validators decide; a disagreement with schemathesis is a warning."""
    path, status = case.path, response.status_code
    try:
        openapi.operation(path).response(status)
    except KeyError:
        return  # an undocumented status is `status_code_conformance`'s finding
    theirs = builtin(case, response, response_schema_conformance)
    ours = ["the body is not JSON"] if body is None else schemas.validate_response(path, status, body)
    if ours:
        report("response_schema_conformance", f"HTTP {status} body breaks its schema: {ours[0]}", "\n".join(ours),
               False)
    if bool(theirs) != bool(ours):
        said = f"invalid ({theirs[0].title})" if theirs else "valid"
        verdict = "invalid" if ours else "valid"
        report(
            "schema_disagreement",
            f"{case.operation.label} HTTP {status}: schemathesis says {said}, the project's validators say {verdict}",
            "the project's verdict stands (conformance.contract.schemas)"
            + (f"; schemathesis: {theirs[0].message.strip().splitlines()[0]}" if theirs else f"; project: {ours[0]}"),
            True,
        )


def sent_problems(case: Case, request: requests.PreparedRequest) -> list[str]:
    """For a negative case, why the request as sent is invalid (`wire_problems`); empty for a positive case, or a
    negative one that became valid on the wire."""
    mode = case.meta.generation.mode if case.meta is not None else None
    return wire_problems(case, request) if mode is not None and mode.is_negative else []


def wire_problems(case: Case, request: requests.PreparedRequest) -> list[str]:
    """Why the request the target receives is invalid: another method or media type than the documented one, a
    header parameter its schema refuses, or a form the request schema refuses; empty when it is valid."""
    operation = case.operation
    media_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if str(request.method).upper() != operation.method.upper():
        return [f"method {request.method}, documented: {operation.method.upper()}"]
    if media_type not in operation.get_request_payload_content_types():
        return [f"media type {media_type or '(none)'!r}, documented: {operation.get_request_payload_content_types()}"]
    problems = []
    for parameter in operation.headers:
        value = request.headers.get(parameter.name)
        if value is None and parameter.is_required:
            problems.append(f"header {parameter.name} missing")
        elif value is not None and not parameter.is_valid(value):
            problems.append(f"header {parameter.name}: {value[:60]!r} breaks its schema")
    return problems + form_problems(case.path, wire.form(request))


def form_problems(path: str, fields: dict[str, str] | None) -> list[str]:
    """Why the form the target receives is invalid, also with empty optional fields read as absent; empty when valid."""
    if fields is None:
        return ["the body is not a form of distinct fields"]
    validator = schemas.validator(schemas.request_schema_id(path), warnings=False)
    problems = schemas.messages(validator.iter_errors(fields))
    present = {name: value for name, value in fields.items() if value != ""}
    if problems and present != fields and validator.is_valid(present):
        return []
    return [f"form {problem}" for problem in problems]


def documented_errors(path: str, status: int) -> frozenset[str]:
    """The `error` values the endpoint documents for this status (its 400 table for any other status)."""
    operation = openapi.operation(path)
    documented = openapi.error_enum(path, status) if status in operation.error_statuses else frozenset()
    return documented or openapi.error_enum(path, 400)


def error_problems(path: str, status: int, body: Any) -> list[str]:
    """Why an error body is not the documented envelope with a documented `error`; empty when it is (or no error)."""
    if status < 400 and not (isinstance(body, dict) and "error" in body):
        return []
    if not isinstance(body, dict):
        return ["the error body is not a JSON object"]
    problems = schemas.messages(schemas.validator(ENVELOPE_ID, warnings=False).iter_errors(body))
    documented = documented_errors(path, status)
    if documented and body.get("error") not in documented:
        problems.append(f"error {body.get('error')!r} is not documented for {path} ({', '.join(sorted(documented))})")
    return problems


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def echoed_secrets(
    fields: dict[str, str] | None, sent_headers: dict[str, str], response: Response, body: Any
) -> list[str]:
    """Secret fields (password, new_password, oob) whose sent value appears in the response as a whole token: not
    inside a longer run of letters and digits (a drawn password `500340` is not echoed by "AADSTS5003401").

    Values shorter than MIN_SECRET_LENGTH, and values also sent in a non-secret field or header (an echoed
    `client-request-id` is not an echoed password), cannot be told apart from coincidence and are not judged.
    """
    if not fields:
        return []
    others = [v for k, v in fields.items() if k not in SECRET_FIELDS] + list(sent_headers.values())
    answered = list(_strings(body)) if body is not None else [response.text_lossy()]
    answered += [value for values in response.headers.values() for value in values]
    found = []
    for name in SECRET_FIELDS:
        secret = fields.get(name) or ""
        if len(secret) < MIN_SECRET_LENGTH or any(secret in other for other in others):
            continue
        whole = re.compile(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])")
        if any(whole.search(text) for text in answered):
            found.append(name)
    return found
