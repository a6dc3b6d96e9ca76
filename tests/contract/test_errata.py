"""`specs/errata.yaml`: every §10 inconsistency has a ruling and a verdict, and its links to rows and examples hold."""

from __future__ import annotations

import json

import pytest
import yaml

from conformance.contract import errata, errors, paths

DIGEST_ITEMS = 61  # api-reference.md §10 items 1-61


@pytest.fixture(scope="module")
def items() -> tuple[errata.Erratum, ...]:
    return errata.errata()


@pytest.fixture(scope="module")
def table() -> errors.ErrorTable:
    return errors.table()


@pytest.fixture
def document() -> dict:
    return yaml.safe_load((paths.SPECS_DIR / "errata.yaml").read_text(encoding="utf-8"))


def test_numbering_covers_the_digest_and_continues(items: tuple[errata.Erratum, ...]) -> None:
    """ERR-01..ERR-61 are §10 items 1-61; later findings continue the sequence without gaps."""
    numbers = [item.number for item in items]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= DIGEST_ITEMS
    assert all(item.id == f"ERR-{item.number:02d}" for item in items)


def test_every_erratum_has_ruling_and_verdict(items: tuple[errata.Erratum, ...]) -> None:
    """Each erratum states the conflicting statements, a ruling and the verdict for the other reading."""
    for item in items:
        assert item.title and item.ruling and item.statements, item.id
        assert item.verdict in errata.VERDICTS, item.id


def test_sources_are_known_doc_tags(items: tuple[errata.Erratum, ...], table: errors.ErrorTable) -> None:
    """Errata cite only the doc tags of api-reference.md §0 (as listed in the errors.yaml header)."""
    known = set(table.header["sources"])
    for item in items:
        assert set(item.sources) <= known, (item.id, set(item.sources) - known)


def test_row_errata_references_resolve(items: tuple[errata.Erratum, ...], table: errors.ErrorTable) -> None:
    """Every `errata` id a row cites exists, and that erratum lists the row back."""
    by_id = {item.id: item for item in items}
    for row in table.rows:
        for erratum_id in row.errata:
            assert erratum_id in by_id, (row.id, erratum_id)
            assert row.id in by_id[erratum_id].rows, (row.id, erratum_id)


def test_rows_named_by_errata_exist(items: tuple[errata.Erratum, ...], table: errors.ErrorTable) -> None:
    """Every row id an erratum names exists in errors.yaml and cites the erratum."""
    for item in items:
        for row_id in item.rows:
            assert item.id in table.get(row_id).errata, (item.id, row_id)


def test_excluded_rows_are_not_rows(table: errors.ErrorTable) -> None:
    """Commented-out doc rows are excluded with a reason, never present as rows."""
    excluded = errata.excluded_rows()
    assert excluded == {
        "E5.invalid_request.introspect_required": "ERR-66",
        "E6.invalid_grant.basic_action": "ERR-67",
    }
    for row_id in excluded:
        assert row_id not in table


def test_get_names_unknown_id() -> None:
    assert errata.get("ERR-01").verdict == "warning"
    with pytest.raises(KeyError, match="ERR-999"):
        errata.get("ERR-999")


@pytest.mark.parametrize(
    ("erratum_id", "verdict", "phrase"),
    [
        ("ERR-01", "warning", "unsupported_challenge_type"),
        ("ERR-14", "warning", "`invalid_grant` on E2, E5, E6"),
        ("ERR-16", "warning", "400"),
        ("ERR-23", "fail", "`scope` is the wire name"),
        ("ERR-25", "fail", "`capabilities`, space-separated"),
        ("ERR-48", "fail", "`mfa_oob`"),
        ("ERR-64", "fail", "`yyyy-mm-dd hh:mm:ssZ`"),
    ],
)
def test_key_rulings(erratum_id: str, verdict: str, phrase: str) -> None:
    """The rulings the suite and the mock depend on say what the brief decided."""
    item = errata.get(erratum_id)
    assert item.verdict == verdict
    assert phrase in item.ruling


def test_malformed_examples_map_to_the_lowest_erratum(items: tuple[errata.Erratum, ...]) -> None:
    """Each ruled-malformed example maps to the first erratum that lists it."""
    ruled = errata.malformed_examples()
    for item in items:
        for name in item.examples:
            assert errata.get(ruled[name]).number <= item.number
    assert ruled["resetpassword_submit__invalid_request_no_redirect_challenge_type__1.json"] == "ERR-02"
    assert ruled["signup_continue__empty_error_user_already_exists_doc_typo__1.json"] == "ERR-04"
    assert ruled["oauth2_challenge__challenge_oob_email__1.json"] == "ERR-21"
    assert ruled["signup_challenge__challenge_password__1.json"] == "ERR-22"
    assert "signup_start__success__1.json" not in ruled


def test_example_errata_list_every_defect() -> None:
    """Each malformed example names every ruled defect, so a repair per erratum restores it."""
    assert errata.example_errata()["signup_continue__attributes_required__1.json"] == ("ERR-12", "ERR-33", "ERR-65")
    assert errata.example_errata()["signup_continue__attributes_required__2.json"] == ("ERR-64", "ERR-65")
    assert {name: ids[0] for name, ids in errata.example_errata().items()} == errata.malformed_examples()


def test_malformed_examples_are_real_example_files() -> None:
    """Every ruled example is one of the copied documentation examples (specs/examples/index.json)."""
    index = paths.SPECS_DIR / "examples" / "index.json"
    if not index.exists():
        pytest.skip("specs/examples/ has not been copied yet")
    files = {entry["file"] for entry in json.loads(index.read_text(encoding="utf-8"))}
    assert set(errata.malformed_examples()) <= files


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["errata"][1].update(colour="red"), r"erratum ERR-02: colour: unknown key"),
        (lambda d: d["errata"][1].pop("ruling"), r"erratum ERR-02: ruling: missing key"),
        (lambda d: d["errata"][1].update(verdict="maybe"), r"erratum ERR-02: verdict"),
        (lambda d: d["errata"][1].update(ruling=""), r"erratum ERR-02: ruling"),
        (lambda d: d["errata"][1].update(id="ERR-01"), r"erratum ERR-01: id: duplicate or out of order"),
        (lambda d: d["errata"][1].update(examples=["a b.txt"]), r"erratum ERR-02: examples"),
        (lambda d: d["errata"][1].update(excluded=[{"id": "x"}]), r"erratum ERR-02: excluded"),
        (lambda d: d["errata"][0].pop("softens"), r"erratum ERR-01: softens: a warning erratum names the check"),
        (lambda d: d["errata"][1].update(softens={"check": "schema"}), r"erratum ERR-02: softens: a warning erratum"),
        (lambda d: d["errata"][0]["softens"].update(check="colour"), r"erratum ERR-01: softens: check: 'colour'"),
        (lambda d: d["errata"][0]["softens"].update(tolerate=[400]), r"erratum ERR-01: softens: tolerate: expected"),
        (lambda d: d["errata"][0]["softens"].update(tolerate=[]), r"erratum ERR-01: softens: tolerate: expected"),
        (lambda d: d["errata"][0]["softens"].update(rows=["E9.x"]), r"erratum ERR-01: softens: rows: each must"),
        (lambda d: d["errata"][0]["softens"].update(rows=[]), r"erratum ERR-01: softens: rows: name the rows"),
        (lambda d: d["errata"][0]["softens"].update(condition="x"), r"erratum ERR-01: softens: condition: 'x'"),
        (lambda d: d["errata"][0]["softens"].update(codes=["901007"]), r"erratum ERR-01: softens: codes"),
        (lambda d: d["errata"][0]["softens"].update(when=1), r"erratum ERR-01: softens: when: unknown key"),
    ],
)
def test_validation_rejects_bad_errata(document: dict, edit, message: str) -> None:
    """A malformed errata file fails on load with one line naming the erratum and the key."""
    edit(document)
    with pytest.raises(ValueError, match=message) as caught:
        errata.parse(document)
    assert "\n" not in str(caught.value)


def test_a_warning_is_exactly_a_softening(items: tuple[errata.Erratum, ...]) -> None:
    """A `warning` verdict names the one check it softens; `fail` and `unchecked` errata soften nothing."""
    for item in items:
        assert (item.verdict == "warning") == (item.softens is not None), item.id


def test_softenings_apply_only_to_the_answers_and_conditions_they_name() -> None:
    """`tolerated` finds the erratum for exactly its check, rows, condition, answers and codes."""
    row = "E1.unsupported_challenge_type"
    assert errata.tolerated("error", row, "no_redirect", "invalid_request", [901007]).id == "ERR-01"
    assert errata.tolerated("error", row, "no_redirect", "invalid_request", [900144]) is None
    assert errata.tolerated("error", row, "no_redirect", "invalid_grant", [901007]) is None
    assert errata.tolerated("status", row, "no_redirect", 200) is None
    assert errata.tolerated("error", "E2.invalid_grant", "invalid_token", "invalid_request").id == "ERR-14"
    assert errata.tolerated("error", "E6.invalid_grant", "invalid_token", "invalid_request") is None
    assert errata.tolerated("error", "E1.invalid_request", "invalid_parameter", "unsupported_challenge_type") is None
    assert errata.tolerated("envelope.trace_id", None, None, "non_uuid").id == "ERR-65"


def _warning_subschemas(node: object, found: list[dict]) -> list[dict]:
    if isinstance(node, dict):
        if node.get("x-verdict") == "warning":
            found.append(node)
        for value in node.values():
            _warning_subschemas(value, found)
    elif isinstance(node, list):
        for value in node:
            _warning_subschemas(value, found)
    return found


def test_schema_softenings_match_the_schemas(items: tuple[errata.Erratum, ...]) -> None:
    """An erratum softening `schema` is named by an `x-verdict: warning` constraint of the schemas, and every erratum
    such a constraint names softens some check."""
    named = set()
    for file in paths.SCHEMAS_DIR.rglob("*.json"):
        for node in _warning_subschemas(json.loads(file.read_text(encoding="utf-8")), []):
            named.update(node.get("x-errata", ()))
    schema_softening = {item.id for item in items if item.softens and item.softens.check == "schema"}
    assert schema_softening <= named
    assert all(errata.get(erratum_id).softens is not None for erratum_id in named)


def test_numbering_check_fails_on_a_gap(document: dict) -> None:
    """Removing an erratum leaves a gap the numbering test would catch."""
    del document["errata"][40]
    numbers = [item.number for item in errata.parse(document)]
    assert numbers != list(range(1, len(numbers) + 1))
