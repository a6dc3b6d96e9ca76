"""specs/rules.yaml: every cross-cutting rule says where it comes from (documented, observed, inferred)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.contract import paths, requirements


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
