"""What the chaining suite reads from the OpenAPI document (conformance.chaining.operations): the operations that
begin a flow, the grant types each takes a continuation token with, and a request sent with another grant type."""

from __future__ import annotations

import pytest
from harness_support import PASSWORD_APP

from conformance.chaining.operations import all_grants, grants, other_grant, regrant, start_operations
from conformance.profile import UserFlow
from conformance.walker import Reached


def test_the_flows_begin_at_the_operations_no_link_feeds():
    assert [op.doc_tag for op in start_operations()] == ["E1", "E4", "E11"]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("signupContinue", ("oob", "password", "attributes")),
        ("token", ("password", "oob", "continuation_token", "mfa_oob")),
        ("registerContinue", ("oob", "continuation_token")),
        ("ssprContinue", ("oob",)),
        ("signupChallenge", ()),
        ("ssprPollCompletion", ()),
    ],
)
def test_an_operation_takes_a_token_with_the_grant_types_it_documents_for_one(operation: str, expected: tuple):
    assert grants(operation) == expected


def test_another_grant_is_the_endpoints_next_one_else_one_another_endpoint_documents():
    assert all_grants() == ("oob", "password", "attributes", "continuation_token", "mfa_oob")
    assert other_grant("token", "password") == "oob"
    assert other_grant("registerContinue", "oob") == "continuation_token"
    assert other_grant("ssprContinue", "oob") == "password"


def _reached(operation: str, form: dict[str, str | None], **known: str) -> Reached:
    tenant = UserFlow("email_password", otp_length=6)
    actor = type("Actor", (), {"tenant": tenant})()
    return Reached("E6", operation, form, "a@example.com", actor, **known)  # type: ignore[arg-type]


def test_a_request_with_another_grant_keeps_the_fields_that_grant_documents_and_fills_its_required_ones():
    form = {"client_id": PASSWORD_APP, "continuation_token": "t", "grant_type": "password", "password": "P"}
    sent = regrant(_reached("token", form, password="P"), "oob", ["openid", "offline_access"])
    assert sent == {"client_id": PASSWORD_APP, "continuation_token": "t", "grant_type": "oob", "oob": "000000",
                    "scope": "openid offline_access"}
    sent = regrant(_reached("token", {"client_id": PASSWORD_APP, "continuation_token": "t", "grant_type": "oob",
                                      "oob": "123456"}, code="123456"), "password", ["openid"])
    assert sent["password"] and sent["scope"] == "openid" and "oob" not in sent


def test_a_grant_the_operation_does_not_document_only_changes_the_grant_type():
    form = {"client_id": PASSWORD_APP, "continuation_token": "t", "grant_type": "oob", "oob": "1"}
    assert regrant(_reached("ssprContinue", form), "password", []) == {**form, "grant_type": "password"}
