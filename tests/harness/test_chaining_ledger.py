"""The chaining ledger (conformance.chaining.ledger): for any token, the token that produced it and the start request
its flow began with."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, cast

from conformance.chaining.ledger import Ledger
from conformance.client import NativeAuthClient


class _Client:
    """Answers each request with the next token of a script, and has one attribute of its own."""

    name = "scripted"

    def __init__(self, *issued: str | None) -> None:
        self.issued = list(issued)
        self.sent: list[tuple[str, Mapping[str, str | None], dict[str, Any]]] = []

    def send(self, operation: str, form: Mapping[str, str | None], **options: Any) -> SimpleNamespace:
        self.sent.append((operation, form, options))
        return SimpleNamespace(continuation_token=self.issued.pop(0))


def _ledger() -> tuple[Ledger, _Client]:
    """A sign-up flow (E1 → E2 → E3a → E6) beside a sign-in start (E4); the token request hands out no token."""
    client = _Client("s1", "i1", "s2", "s3", None)
    ledger = Ledger(cast(NativeAuthClient, client))
    ledger.send("signupStart", {"username": "a@example.com"})
    ledger.send("signinInitiate", {"username": "b@example.com"})
    ledger.send("signupChallenge", {"continuation_token": "s1"})
    ledger.send("signupContinue", {"continuation_token": "s2"}, client_request_id="crid")
    ledger.send("token", {"continuation_token": "s3"})
    return ledger, client


def test_each_request_is_sent_as_is_and_remembered_with_the_tokens_it_presented_and_got():
    ledger, client = _ledger()
    assert client.sent[3] == ("signupContinue", {"continuation_token": "s2"}, {"client_request_id": "crid"})
    assert [(e.operation, e.presented, e.issued) for e in ledger.entries] == [
        ("signupStart", None, "s1"),
        ("signinInitiate", None, "i1"),
        ("signupChallenge", "s1", "s2"),
        ("signupContinue", "s2", "s3"),
        ("token", "s3", None),
    ]


def test_the_previous_token_is_the_one_presented_by_the_request_that_handed_it_out():
    ledger, _ = _ledger()
    assert ledger.previous("s3") == "s2"
    assert ledger.previous("s2") == "s1"
    assert ledger.previous("s1") is None  # a start step's answer: nothing came before it
    assert ledger.previous("never-issued") is None


def test_the_origin_is_the_start_request_of_the_tokens_flow():
    ledger, _ = _ledger()
    assert ledger.origin("s3") == "signupStart"
    assert ledger.origin("s1") == "signupStart"
    assert ledger.origin("i1") == "signinInitiate"
    assert ledger.origin("never-issued") is None
    assert ledger.origin("") is None


def test_anything_else_is_the_clients():
    ledger, _ = _ledger()
    assert ledger.name == "scripted"
