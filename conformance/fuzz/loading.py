"""The OpenAPI document as schemathesis sees it, configured for this project, and the flows fuzzed statefully."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import schemathesis
from schemathesis.schemas import APIOperation, BaseSchema

from conformance.contract import openapi, paths

#: Statuses that reject a malformed request. 401/403/422/5xx (schemathesis's defaults) are left out on purpose: the
#: spec documents every request error as 400 (S1, S4) and a 5xx is never a rejection (`not_a_server_error`).
NEGATIVE_EXPECTED_STATUSES = (400, 404, 405, 413, 415)
REGISTRATION = ("registerIntrospect", "registerChallenge", "registerContinue")
MFA = ("signinIntrospect", "signinChallenge")


@dataclass(frozen=True, slots=True)
class Flow:
    """A chain fuzzed statefully: the operations it may reach and the one that starts it."""

    name: str
    entry: str
    operations: tuple[str, ...]


FLOWS = (
    Flow("signup", "signupStart", ("signupStart", "signupChallenge", "signupContinue", "token", *REGISTRATION)),
    Flow("signin", "signinInitiate", ("signinInitiate", "signinChallenge", "token", "signinIntrospect", *REGISTRATION)),
    Flow(
        "sspr",
        "ssprStart",
        ("ssprStart", "ssprChallenge", "ssprContinue", "ssprSubmit", "ssprPollCompletion", "token", *MFA,
         *REGISTRATION),
    ),
)


def config() -> schemathesis.Config:
    """The schemathesis configuration (never a stray `schemathesis.toml` found by discovery). Stateful steps are asked
    for positive: the step's pool mixes negative ones in (`stateful.pooled`)."""
    return schemathesis.Config.from_dict({
        "checks": {"negative_data_rejection": {"expected-statuses": list(NEGATIVE_EXPECTED_STATUSES)}},
        "phases": {"stateful": {"generation": {"mode": "positive"}}},
    })


@cache
def schema() -> BaseSchema:
    """`specs/native-auth.openapi.yaml` loaded by schemathesis, external `$ref`s to `schemas/` included."""
    return schemathesis.openapi.from_path(paths.OPENAPI_PATH, config=config())


def operation(operation_id: str) -> APIOperation:
    """The schemathesis operation of an operationId."""
    return schema()[openapi.operation(operation_id).path]["POST"]


def operation_ids() -> tuple[str, ...]:
    """Every operationId, in document order."""
    return tuple(op.operation_id for op in openapi.operations())


def flow_schema(flow: Flow) -> BaseSchema:
    """The schema restricted to the operations of one flow (links to other operations are dropped)."""
    return schema().include(operation_id=list(flow.operations))
