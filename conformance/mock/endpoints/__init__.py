"""The fifteen native-auth endpoints (api-reference.md §2): each operation of the OpenAPI document → its handler.

Paths come from `specs/native-auth.openapi.yaml`; this table only says which function answers which operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.contract import openapi
from conformance.mock.endpoints import register, signin, signup, sspr, token
from conformance.mock.endpoints.base import Call, Mock

Handler = Callable[[Call], dict[str, Any]]

#: operationId → handler (doc tag in the comment).
HANDLERS: dict[str, Handler] = {
    "signupStart": signup.start,  # E1
    "signupChallenge": signup.challenge,  # E2
    "signupContinue": signup.continue_,  # E3 (E3a, E3b, E3c)
    "signinInitiate": signin.initiate,  # E4
    "signinChallenge": signin.challenge,  # E5
    "token": token.token,  # E6
    "signinIntrospect": signin.introspect,  # E7
    "registerIntrospect": register.introspect,  # E8
    "registerChallenge": register.challenge,  # E9
    "registerContinue": register.continue_,  # E10
    "ssprStart": sspr.start,  # E11
    "ssprChallenge": sspr.challenge,  # E12
    "ssprContinue": sspr.continue_,  # E13
    "ssprSubmit": sspr.submit,  # E14
    "ssprPollCompletion": sspr.poll_completion,  # E15
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One native-auth route of the mock: the documented operation and the handler that answers it."""

    operation: openapi.Operation
    handler: Handler

    @property
    def path(self) -> str:
        """The operation's path under `/{tenant}.onmicrosoft.com`."""
        return self.operation.path

    @property
    def table(self) -> str:
        """The error table of request-level problems (a form that cannot be read): the first request step's (`E3a`
        for E3, whose steps differ by `grant_type`)."""
        return self.operation.step_tags[0]


def routes(handlers: dict[str, Handler] = HANDLERS) -> dict[str, Endpoint]:
    """Every operation of the OpenAPI document with its handler, by path; ValueError names an operation without a
    handler or a handler without an operation."""
    documented = {op.operation_id for op in openapi.operations()}
    if unhandled := sorted(documented - handlers.keys()):
        raise ValueError(f"no mock handler for the operations {unhandled}")
    if undocumented := sorted(handlers.keys() - documented):
        raise ValueError(f"mock handlers for operations the OpenAPI document lacks: {undocumented}")
    return {op.path: Endpoint(op, handlers[op.operation_id]) for op in openapi.operations()}


#: The routes, by path.
ENDPOINTS: dict[str, Endpoint] = routes()

__all__ = ["ENDPOINTS", "HANDLERS", "Call", "Endpoint", "Handler", "Mock", "routes"]
