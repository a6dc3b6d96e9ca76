"""`specs/errors.yaml`: one well-formed, sourced, triggerable row per documented (endpoint step, error, suberror)."""

from __future__ import annotations

import copy
import re
from collections import Counter

import pytest
import yaml

from conformance.contract import errors, openapi, paths

# api-reference.md Appendix B: rows printed in the current (S1 + S2) error tables, per table.
APPENDIX_B_ERRORS = {
    "E1": 6, "E2": 4, "E3a": 4, "E3b-attrs": 4, "E3b": 4, "E3c": 4, "E4": 5, "E5": 4, "E6": 7, "E7": 4, "E8": 2,
    "E9": 1, "E10": 3, "E11": 5, "E12": 3, "E13": 3, "E14": 3, "E15": 2,
}  # fmt: skip
APPENDIX_B_SUBERRORS = {
    "E1": 7,
    "E3a": 1,
    "E3b": 6,
    "E3c": 1,
    "E4": 1,
    "E6": 3,
    "E9": 2,
    "E10": 1,
    "E11": 1,
    "E13": 1,
    "E14": 6,
}
# Seed002 "JSON Document Error Code Values" (the generic token-issuance table the token endpoint, E6, inherits).
SEED002_ERRORS = {
    "invalid_request", "invalid_grant", "unauthorized_client", "invalid_client", "unsupported_grant_type",
    "invalid_resource", "interaction_required", "temporarily_unavailable",
}  # fmt: skip
SEED002_STATUSES = {400, 401, 403, 500}

ROW_ID = re.compile(r"^(E\d{1,2}[a-c]?(-attrs)?|G-token)\.[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


@pytest.fixture(scope="module")
def table() -> errors.ErrorTable:
    return errors.table()


@pytest.fixture
def document() -> dict:
    return yaml.safe_load((paths.SPECS_DIR / "errors.yaml").read_text(encoding="utf-8"))


def count_problems(table: errors.ErrorTable) -> list[str]:
    """How the printed rows differ from api-reference.md Appendix B (68 error rows + 30 suberror rows)."""
    printed = [row for row in table.rows if row.printed]
    found_errors = Counter(row.table for row in printed if row.suberror is None)
    found_suberrors = Counter(row.table for row in printed if row.suberror is not None)
    problems = [
        f"{tag}: {found_errors.get(tag, 0)} error rows, Appendix B says {n}"
        for tag, n in APPENDIX_B_ERRORS.items()
        if found_errors.get(tag, 0) != n
    ]
    problems += [
        f"{tag}: {found_suberrors.get(tag, 0)} suberror rows, Appendix B says {n}"
        for tag, n in APPENDIX_B_SUBERRORS.items()
        if found_suberrors.get(tag, 0) != n
    ]
    problems += [f"{tag}: unexpected printed rows" for tag in (set(found_errors) - set(APPENDIX_B_ERRORS))]
    problems += [f"{tag}: unexpected suberror rows" for tag in (set(found_suberrors) - set(APPENDIX_B_SUBERRORS))]
    return problems


def test_header_names_doc_date_and_sources(table: errors.ErrorTable) -> None:
    """The table states the doc date it encodes and the revision of every source it cites (api-reference.md §0)."""
    assert table.header["doc_date"] == "2026-02-27"
    assert table.header["sources"]["S1"]["revision"] == "129d8b4e8ace4ce601ca2a57bebf969a8d6a87f7"
    assert table.header["sources"]["S2"]["revision"] == "290f92efcd2782d51cd81e5e90ad671f20e43000"
    assert {row.source.tag for row in table.rows} <= set(table.header["sources"])


def test_row_ids_are_unique_and_well_formed(table: errors.ErrorTable) -> None:
    """Row ids are `<table>.<error>[.<suberror>]` (ARCHITECTURE.md, Identifiers) and unique."""
    ids = [row.id for row in table.rows]
    assert len(ids) == len(set(ids))
    for row in table.rows:
        assert ROW_ID.match(row.id), row.id
        assert row.id == ".".join(part for part in (row.table, row.error, row.suberror) if part)


def test_counts_match_appendix_b(table: errors.ErrorTable) -> None:
    """Printed rows per table equal api-reference.md Appendix B: 68 error-value rows and 30 suberror rows."""
    assert count_problems(table) == []
    printed = [row for row in table.rows if row.printed]
    assert sum(row.suberror is None for row in printed) == 68
    assert sum(row.suberror is not None for row in printed) == 30


def test_count_check_fails_when_a_row_is_missing(table: errors.ErrorTable) -> None:
    """The Appendix B check notices a single removed row (so the count test can fail)."""
    for victim in ("E6.unsupported_grant_type", "E14.invalid_grant.password_banned"):
        rows = tuple(row for row in table.rows if row.id != victim)
        assert count_problems(errors.ErrorTable(rows, table.tables, table.header)), victim


def test_generic_token_table_is_seed002(table: errors.ErrorTable) -> None:
    """G-token holds exactly the error values of Seed002, on the token endpoint (E6), with Seed002 statuses (ERR-61)."""
    generic = table.for_table("G-token")
    assert {row.error for row in generic} == SEED002_ERRORS
    assert len(generic) == len(SEED002_ERRORS)
    for row in generic:
        assert row.generic and row.suberror is None and row.endpoint == openapi.path_of("token")
        assert row.status in SEED002_STATUSES
        assert row.source.tag == "Seed002"
        assert "ERR-61" in row.errata
    assert not any(row.generic for row in table.rows if row.table != "G-token")


def test_native_rows_are_http_400(table: errors.ErrorTable) -> None:
    """Every native-auth error is documented as HTTP 400 (S1, S2; `server_error` ruled by ERR-16)."""
    assert {row.status for row in table.rows if not row.generic} == {400}
    assert "ERR-16" in table.get("E7.server_error").errata


def test_inherited_rows_copy_their_origin(table: errors.ErrorTable) -> None:
    """E9's errors are "similar to" E8: each inherited row repeats an E8 row's error, conditions and codes (ERR-68)."""
    inherited = [row for row in table.rows if row.inherited_from]
    assert {row.id for row in inherited} == {"E9.invalid_request", "E9.expired_token"}
    for row in inherited:
        origin = table.get(f"{row.inherited_from}.{row.error}")
        assert row.conditions == origin.conditions
        assert row.status == origin.status
        assert "ERR-68" in row.errata


def test_errata_ruled_rows(table: errors.ErrorTable) -> None:
    """Rows no current table prints exist only because an erratum rules them in, and cite it."""
    ruled = {row.id: row.ruled_by for row in table.rows if row.ruled_by}
    assert ruled == {
        "E1.invalid_grant.attribute_validation_failed": "ERR-08",
        "E3a.attributes_required": "ERR-13",
        "E3c.verification_required": "ERR-09",
    }
    for row_id, erratum in ruled.items():
        assert erratum in table.get(row_id).errata


def test_every_row_has_source_and_trigger(table: errors.ErrorTable) -> None:
    """Each row names its doc source (tag, file, section) and says how a client triggers it, or why it cannot."""
    for row in table.rows:
        assert row.source.tag and row.source.file and row.source.section, row.id
        assert row.trigger.kind in errors.TRIGGER_KINDS, row.id
        assert len(row.trigger.how.split()) >= 3, row.id
        assert row.description.strip(), row.id
    kinds = Counter(row.trigger.kind for row in table.rows)
    assert set(kinds) == errors.TRIGGER_KINDS


@pytest.mark.parametrize(
    ("row_id", "kind"),
    [
        ("E7.server_error", "fault"),
        ("G-token.temporarily_unavailable", "fault"),
        ("E1.invalid_grant.password_recently_used", "cannot"),
        ("E3b.invalid_grant.password_recently_used", "cannot"),
        ("E14.invalid_grant.password_recently_used", "state"),
        ("E1.invalid_grant.password_banned", "request"),
        ("E9.access_denied.provider_blocked_by_admin", "tenant"),
        ("E9.access_denied.provider_blocked_by_rep", "tenant"),
        ("E3c.verification_required", "cannot"),
    ],
)
def test_trigger_kind_rulings(table: errors.ErrorTable, row_id: str, kind: str) -> None:
    """Trigger kinds the brief rules: faults, impossible triggers, tenant-configured blocks."""
    assert table.get(row_id).trigger.kind == kind


def test_suberror_rows_have_a_parent_error_row(table: errors.ErrorTable) -> None:
    """Every suberror row refines an error-value row of the same table; suberror-only meanings name their rows."""
    for row in table.rows:
        if row.suberror is not None:
            parent = table.get(f"{row.table}.{row.error}")
            if parent.trigger.how.startswith("realized"):
                assert row.id.removeprefix(f"{row.table}.") in parent.trigger.how or (
                    f".{row.suberror}" in parent.trigger.how
                ), row.id
    for row_id in ("E1.invalid_grant", "E3b.invalid_grant", "E14.invalid_grant", "E9.access_denied"):
        assert table.get(row_id).trigger.how.startswith("realized"), row_id


def test_documented_aadsts_codes(table: errors.ErrorTable) -> None:
    """AADSTS codes sit on the rows, under the condition, whose documented examples carry them (api-reference.md §8);
    901007 is only the reading ERR-01 and ERR-03 tolerate, no row's code."""
    assert table.get("E1.user_already_exists").codes_for("existing_user") == (1003037,)
    assert table.get("E3a.credential_required").codes_for("credential_missing") == (55103,)
    assert table.get("E3b.invalid_grant.password_too_weak").codes_for("weak_password") == (399246,)
    assert table.get("E6.invalid_grant").codes_for("invalid_credentials") == (50126,)
    assert table.get("E6.invalid_grant").codes_for("invalid_token") == ()
    assert table.get("E7.invalid_request").codes_for("invalid_token") == (50126,)
    assert table.get("E7.invalid_request").codes_for("invalid_parameter") == ()
    assert table.get("E10.invalid_request").codes_for("invalid_token") == (55200,)
    assert table.get("E15.expired_token").codes_for("expired_token") == (552003,)
    assert table.get("E3a.invalid_grant.invalid_oob_value").codes_for("wrong_otp") == (50181,)
    assert table.get("E2.invalid_request").aadsts == ()
    assert table.get("E4.unsupported_challenge_type").aadsts == ()
    documented = {1003037, 552003, 55103, 55106, 399246, 50126, 55200, 50181, 90011}
    assert {code for row in table.rows for code in row.aadsts} == documented


def test_conditions_name_the_rows_the_docs_give(table: errors.ErrorTable) -> None:
    """`row_for` finds a step's row for a condition: an invalid token is `invalid_grant` on E2, E5, E6 and
    `invalid_request` on every other step that takes one (§7.1); start steps and the generic table have none."""
    grant = {"E2", "E5", "E6"}
    steps = ("E2", "E3a", "E3b", "E3b-attrs", "E3c", "E5", "E6", "E7", "E8", "E9", "E10", "E12", "E13", "E14", "E15")
    for tag in steps:
        row = table.expected(tag, "invalid_token")
        expected = "invalid_grant" if tag in grant else "invalid_request"
        assert (row.table, row.error, row.suberror) == (tag, expected, None)
        assert table.expected(tag, "expired_token").id == f"{tag}.expired_token"
    for tag in ("E1", "E4", "E11", "G-token"):
        assert table.row_for(tag, "invalid_token") is None
        with pytest.raises(LookupError, match=tag):
            table.expected(tag, "invalid_token")
    assert table.expected("E3b", "unknown_grant_type").id == "E3b-attrs.invalid_grant"  # the step's variant table
    assert table.expected("E3b", "attributes_missing").id == "E3b.attributes_required"  # its own table first
    assert table.expected("E6", "unknown_grant_type").id == "E6.unsupported_grant_type"  # ERR-62
    with pytest.raises(KeyError, match="no_such_condition"):
        table.row_for("E1", "no_such_condition")


def test_served_rows_follow_the_fallbacks(table: errors.ErrorTable) -> None:
    """Where a step lists no row for a condition, the mock answers the condition's fallback (specs/conditions.yaml)."""
    assert table.served("E1", "unknown_client") == (table.get("E1.unauthorized_client"), "unknown_client")
    assert table.served("E2", "unknown_client") == (table.get("E2.invalid_request"), "invalid_parameter")
    assert table.served("E6", "native_auth_disabled") == (table.get("E6.invalid_client"), "confidential_client")
    with pytest.raises(LookupError, match="no_redirect"):
        table.served("E15", "no_redirect")


def test_get_names_unknown_id(table: errors.ErrorTable) -> None:
    with pytest.raises(KeyError, match="E1.no_such_error"):
        table.get("E1.no_such_error")


def test_for_table_and_for_endpoint(table: errors.ErrorTable) -> None:
    assert {row.table for row in table.for_table("E3b-attrs")} == {"E3b-attrs"}
    with pytest.raises(KeyError, match="E99"):
        table.for_table("E99")
    token = table.for_endpoint(openapi.path_of("token"))
    assert {row.table for row in token} == {"E6", "G-token"}
    oob = table.for_endpoint(openapi.path_of("signupContinue"), grant_type="oob")
    assert {row.table for row in oob} == {"E3a"}
    everything = table.for_endpoint(openapi.path_of("signupContinue"))
    assert {row.table for row in everything} == {"E3a", "E3b", "E3b-attrs", "E3c"}
    assert table.for_endpoint("/nowhere") == ()


def test_find_prefers_specific_rows(table: errors.ErrorTable) -> None:
    """`find` prefers native over generic, the exact grant, printed rows, and a step's own table over E3b-attrs."""
    assert table.find(openapi.path_of("token"), "invalid_grant").id == "E6.invalid_grant"
    assert table.find(openapi.path_of("token"), "temporarily_unavailable").id == "G-token.temporarily_unavailable"
    token = openapi.path_of("token")
    assert table.find(token, "invalid_grant", "mfa_required").id == "E6.invalid_grant.mfa_required"
    assert table.find(openapi.path_of("signupContinue"), "attributes_required", grant_type="password").id == (
        "E3b.attributes_required"
    )
    assert table.find(openapi.path_of("signupContinue"), "attributes_required", grant_type="oob").id == (
        "E3a.attributes_required"
    )
    register = openapi.path_of("registerContinue")
    assert table.find(register, "invalid_grant", "invalid_oob_value", grant_type="oob").id == (
        "E10.invalid_grant.invalid_oob_value"
    )
    with pytest.raises(KeyError, match="user_not_found"):
        table.find(openapi.path_of("signupStart"), "user_not_found")


def _first(document: dict, row_id: str) -> dict:
    return next(row for row in document["rows"] if row["id"] == row_id)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: _first(d, "E2.expired_token").update(colour="red"), r"row E2\.expired_token: colour: unknown key"),
        (lambda d: _first(d, "E2.expired_token").pop("trigger"), r"row E2\.expired_token: trigger: missing key"),
        (lambda d: d["rows"].append(copy.deepcopy(_first(d, "E2.expired_token"))), r"row E2\.expired_token: id: dupl"),
        (lambda d: _first(d, "E2.expired_token").update(error="invalid_grant"), r"row E2\.expired_token: id: must be"),
        (lambda d: _first(d, "E2.expired_token").update(table="E3"), r"row E2\.expired_token: table: unknown"),
        (lambda d: _first(d, "E2.expired_token").update(endpoint="/x"), r"row E2\.expired_token: endpoint"),
        (lambda d: _first(d, "E3a.expired_token").update(grant_type="password"), r"row E3a\.expired_token: grant_type"),
        (lambda d: _first(d, "E2.expired_token")["trigger"].update(kind="magic"), r"row E2\.expired_token: trigger"),
        (lambda d: _first(d, "E2.expired_token")["source"].update(tag="S99"), r"row E2\.expired_token: source"),
        (lambda d: _first(d, "E2.expired_token").update(conditions={"expired": []}), r"row E2\.expired_token: cond"),
        (
            lambda d: _first(d, "E2.expired_token").update(conditions={"expired_token": ["1"]}),
            r"row E2\.expired_token: conditions: expired_token: expected a list of integer",
        ),
        (
            lambda d: _first(d, "E2.expired_token")["trigger"].update(condition="invalid_token"),
            r"row E2\.expired_token: trigger: condition 'invalid_token' is not one of the row's",
        ),
        (
            lambda d: _first(d, "E2.invalid_grant").update(conditions={"invalid_token": [], "expired_token": []}),
            r"row E2\.invalid_grant: conditions: 'expired_token' is also listed by E2\.expired_token",
        ),
        (
            lambda d: _first(d, "E1.invalid_grant")["trigger"].update(condition="wrong_otp"),
            r"row E1\.invalid_grant: trigger: a row without conditions",
        ),
        (lambda d: _first(d, "E2.expired_token").update(errata=["ERR-1"]), r"row E2\.expired_token: errata"),
        (lambda d: _first(d, "E2.expired_token").update(generic=True), r"row E2\.expired_token: generic"),
        (lambda d: _first(d, "E2.expired_token").update(status="400"), r"row E2\.expired_token: status"),
        (lambda d: d.update(extra=1), r"header: extra: unknown key"),
    ],
)
def test_validation_rejects_bad_rows(document: dict, edit, message: str) -> None:
    """A malformed table fails on load with one line naming the row and the key."""
    edit(document)
    with pytest.raises(ValueError, match=message) as caught:
        errors.parse(document)
    assert "\n" not in str(caught.value)


def test_error_values_agree_with_openapi(table: errors.ErrorTable) -> None:
    """For every endpoint, the `error` values of the table equal the OpenAPI error enum (generic values included)."""
    from conformance.contract import openapi

    for path in sorted({info.endpoint for info in table.tables.values()}):
        assert {row.error for row in table.for_endpoint(path)} == set(openapi.error_enum(path)), path
