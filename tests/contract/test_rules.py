"""specs/rules.yaml: every cross-cutting rule says where it comes from (documented, observed, inferred)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.contract import openapi, paths, requirements, schemas


def _edited(tmp_path: Path, **changes: object) -> Path:
    document = yaml.safe_load((paths.SPECS_DIR / "rules.yaml").read_text(encoding="utf-8"))
    rule = next(item for item in document["rules"] if item["id"] == "R-CORRELATION-HEADERS")
    for key, value in changes.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_every_rule_has_a_basis() -> None:
    assert {rule.basis for rule in requirements.rules()} <= set(requirements.BASES)
    assert requirements.resolve("R-CORRELATION-HEADERS").basis == "observed"
    assert "BaseApiClient.ts" in requirements.resolve("R-CORRELATION-HEADERS").basis_note


def test_error_rows_of_the_generic_page_are_inferred() -> None:
    assert requirements.resolve("G-token.temporarily_unavailable").basis == "inferred"
    assert requirements.resolve("E1.user_already_exists").basis == "documented"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"basis": "rumoured"}, "basis: 'rumoured' not one of"),
        ({"basis": None}, "basis: missing key"),
        ({"observed_in": None}, "observed_in: required for basis observed"),
        ({"reason": "because"}, "reason: only for basis inferred"),
        ({"source": ["S1"]}, "an observed rule cites a client-library tag"),
        ({"basis": "documented", "observed_in": None, "source": ["X-JS"]}, "cites a native-auth doc tag"),
        ({"colour": "red"}, "colour: unknown key"),
    ],
)
def test_a_rule_without_a_sound_basis_is_refused(tmp_path: Path, changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="R-CORRELATION-HEADERS") as raised:
        requirements.load_rules(_edited(tmp_path, **changes))
    assert message in str(raised.value)


def test_undocumented_schema_fields_name_their_rule() -> None:
    """`client_info` (request and response) is observed in MSAL, not documented: its schemas say so (R-CLIENT-INFO)."""
    fields = {(f.where.removeprefix(schemas.BASE_URI), f.basis, f.rule) for f in requirements.schema_fields()}
    assert ("common/form.json#/$defs/client_info", "observed", "R-CLIENT-INFO") in fields
    assert ("common/token.json#/properties/client_info", "observed", "R-CLIENT-INFO") in fields
    sent = [p for p in openapi.operation("token").parameters if p.name == "client_info"]
    assert {p.grant_type for p in sent} == {"password", "oob", "continuation_token", "mfa_oob", "refresh_token"}
    assert {(p.basis, p.rule, p.required) for p in sent} == {("observed", "R-CLIENT-INFO", False)}
    assert {p.basis for p in openapi.operation("token").parameters if p.name != "client_info"} == {"documented"}


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"x-basis": "rumoured"}, "x-basis: 'rumoured' not one of"),
        ({"x-basis": "observed"}, "x-rule: required for x-basis observed"),
        ({"x-basis": "observed", "x-rule": "R-NO-SUCH-RULE"}, "is no rule of specs/rules.yaml"),
        ({"x-basis": "observed", "x-rule": "R-SSPR-POLL"}, "is a documented rule, expected a rule of basis observed"),
    ],
)
def test_a_schema_field_without_a_sound_basis_is_refused(node: dict[str, str], message: str) -> None:
    known = {rule.id: rule for rule in requirements.rules()}
    with pytest.raises(ValueError, match="form.json#/x") as raised:
        requirements.schema_field("form.json#/x", node, known)
    assert message in str(raised.value)
