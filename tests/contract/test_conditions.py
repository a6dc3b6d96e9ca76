"""`specs/conditions.yaml`: a closed vocabulary every row names, with fallbacks that end."""

from __future__ import annotations

import pytest
import yaml

from conformance.contract import conditions, errata, errors, paths


@pytest.fixture
def document() -> dict:
    return yaml.safe_load((paths.SPECS_DIR / "conditions.yaml").read_text(encoding="utf-8"))


def test_every_condition_is_used() -> None:
    """Each condition is listed by some row (or is the fallback of one that is): no dead vocabulary."""
    listed = {name for row in errors.table() for name in row.conditions}
    fallbacks = {c.fallback for c in conditions.conditions().values() if c.fallback}
    assert set(conditions.conditions()) == listed | fallbacks
    assert fallbacks <= listed


def test_triggers_and_errata_name_known_conditions() -> None:
    """Every trigger and every erratum softening names a condition of the vocabulary."""
    known = set(conditions.conditions())
    assert {row.trigger.condition for row in errors.table()} <= known
    named = {item.softens.condition for item in errata.errata() if item.softens and item.softens.condition}
    assert named <= known


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["conditions"]["no_redirect"].update(colour=1), r"condition no_redirect: colour: unknown key"),
        (lambda d: d["conditions"]["no_redirect"].pop("means"), r"condition no_redirect: means"),
        (lambda d: d["conditions"]["no_redirect"].update(fallback="x"), r"condition no_redirect: fallback: unknown"),
        (
            lambda d: d["conditions"]["invalid_parameter"].update(fallback="unknown_client"),
            r"fallback: falls back in a circle",
        ),
        (lambda d: d["conditions"].update({"Bad-Name": {"means": "x"}}), r"condition Bad-Name: -: expected"),
    ],
)
def test_validation_rejects_bad_conditions(document: dict, edit, message: str) -> None:
    """A malformed vocabulary fails on load with one line naming the condition and the key."""
    edit(document)
    with pytest.raises(ValueError, match=message) as caught:
        conditions.parse(document)
    assert "\n" not in str(caught.value)
