"""The OpenAPI document is valid 3.1, covers api-reference.md §2, chains continuation tokens, loads in schemathesis."""

from __future__ import annotations

from typing import Any
from urllib.parse import urldefrag

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis.specs.openapi.stateful import collect_transitions

from conformance.contract import openapi, paths, schemas

# api-reference.md §2: doc tag -> (path, operationId).
CATALOGUE = {
    "E1": ("/signup/v1.0/start", "signupStart"),
    "E2": ("/signup/v1.0/challenge", "signupChallenge"),
    "E3": ("/signup/v1.0/continue", "signupContinue"),
    "E4": ("/oauth2/v2.0/initiate", "signinInitiate"),
    "E5": ("/oauth2/v2.0/challenge", "signinChallenge"),
    "E6": ("/oauth2/v2.0/token", "token"),
    "E7": ("/oauth2/v2.0/introspect", "signinIntrospect"),
    "E8": ("/register/v1.0/introspect", "registerIntrospect"),
    "E9": ("/register/v1.0/challenge", "registerChallenge"),
    "E10": ("/register/v1.0/continue", "registerContinue"),
    "E11": ("/resetpassword/v1.0/start", "ssprStart"),
    "E12": ("/resetpassword/v1.0/challenge", "ssprChallenge"),
    "E13": ("/resetpassword/v1.0/continue", "ssprContinue"),
    "E14": ("/resetpassword/v1.0/submit", "ssprSubmit"),
    "E15": ("/resetpassword/v1.0/poll_completion", "ssprPollCompletion"),
}
# api-reference.md §1.2: endpoints with a documented redirect (web-fallback) response.
REDIRECTS = {"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E11", "E12"}
# api-reference.md §2, §3 E3, §4 E6, §5 E10, §6 E13: the `grant_type` steps of each endpoint that takes one.
STEPS = {
    "E3": {"oob", "password", "attributes"},
    "E6": {"password", "oob", "continuation_token", "mfa_oob", "refresh_token"},
    "E10": {"oob", "continuation_token"},
    "E13": {"oob"},
}
# api-reference.md §2.1: the continuation-token chain, as (source, status, target).
CHAIN = {
    ("signupStart", 200, "signupChallenge"),
    ("signupChallenge", 200, "signupContinue"),
    ("signupContinue", 200, "token"),
    ("signupContinue", 400, "signupChallenge"),
    ("signupContinue", 400, "signupContinue"),
    ("signinInitiate", 200, "signinChallenge"),
    ("signinChallenge", 200, "token"),
    ("token", 400, "signinIntrospect"),
    ("signinIntrospect", 200, "signinChallenge"),
    ("token", 400, "registerIntrospect"),
    ("registerIntrospect", 200, "registerChallenge"),
    ("registerChallenge", 200, "registerContinue"),
    ("registerContinue", 200, "token"),
    ("ssprStart", 200, "ssprChallenge"),
    ("ssprChallenge", 200, "ssprContinue"),
    ("ssprContinue", 200, "ssprSubmit"),
    ("ssprSubmit", 200, "ssprPollCompletion"),
    ("ssprPollCompletion", 200, "token"),
}


def _local(ref: str) -> Any:
    """The node a `#/...` reference names inside the OpenAPI document."""
    node: Any = openapi.document()
    for key in ref.removeprefix("#/").split("/"):
        node = node[key]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


@pytest.fixture(scope="module")
def loaded() -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_path(paths.OPENAPI_PATH)


def test_document_is_valid_openapi_3_1() -> None:
    document = openapi.document()
    assert document["openapi"] == "3.1.0"
    errors = OpenAPIV31SpecValidator(document, base_uri=paths.OPENAPI_PATH.as_uri()).iter_errors()
    assert [str(error) for error in errors] == []


def test_server_url_has_tenant_subdomain_variable() -> None:
    [server] = openapi.document()["servers"]
    assert server["url"] == "https://{tenant_subdomain}.ciamlogin.com/{tenant_subdomain}.onmicrosoft.com"
    assert set(server["variables"]) == {"tenant_subdomain"}


def test_catalogue_is_complete_and_post_only() -> None:
    assert {op.doc_tag: (op.path, op.operation_id) for op in openapi.operations()} == CATALOGUE
    assert all(set(item) == {"post"} for item in openapi.document()["paths"].values())


def test_operation_lookup() -> None:
    """An operation is found by path, operationId, doc tag or step tag; its path is the one the document holds."""
    token = openapi.operation("token")
    assert token is openapi.operation("/oauth2/v2.0/token") is openapi.operation("E6")
    assert openapi.operation("E3a") is openapi.operation("E3c") is openapi.operation("signupContinue")
    assert [openapi.path_of(tag) for tag in CATALOGUE] == [path for path, _ in CATALOGUE.values()]
    assert openapi.path_of("ssprSubmit") == "/resetpassword/v1.0/submit"
    with pytest.raises(KeyError, match="signupStop"):
        openapi.operation("signupStop")
    with pytest.raises(KeyError, match="E3d"):
        openapi.path_of("E3d")


def test_request_urls_map_to_their_operation() -> None:
    """A URL path under any base names its operation; any other path none."""
    assert openapi.operation_at("/contoso.onmicrosoft.com/oauth2/v2.0/token") is openapi.operation("token")
    assert openapi.operation_at("/t/register/v1.0/challenge") is openapi.operation("registerChallenge")
    assert openapi.operation_at("/contoso.onmicrosoft.com/oauth2/v2.0/authorize") is None
    assert openapi.families() == ("signup", "oauth2", "register", "resetpassword")
    assert openapi.operation("E11").family == "resetpassword"


def test_request_steps_are_tagged_by_grant_type() -> None:
    """E3's request steps are E3a (oob), E3b (password), E3c (attributes); every other operation is one step."""
    assert openapi.operation("E3").steps == (("E3a", "oob"), ("E3b", "password"), ("E3c", "attributes"))
    assert all(op.steps == ((op.doc_tag, None),) for op in openapi.operations() if op.doc_tag != "E3")


def test_metadata_paths_name_their_basis() -> None:
    """The discovery, JWKS and authorize routes a tenant serves beside the operations are inferred, with a reason."""
    assert openapi.metadata_path("discovery") == "/v2.0/.well-known/openid-configuration"
    assert openapi.metadata_path("jwks") == "/discovery/v2.0/keys"
    assert openapi.metadata_path("authorize") == "/oauth2/v2.0/authorize"
    for entry in openapi.document()["x-metadata-paths"].values():
        assert entry["x-basis"] == "inferred" and entry["reason"]
    with pytest.raises(KeyError, match="userinfo"):
        openapi.metadata_path("userinfo")


@pytest.mark.parametrize("op", openapi.operations(), ids=lambda op: op.doc_tag)
def test_operation_cites_its_source_and_has_request_response_error_schemas(op: openapi.Operation) -> None:
    assert op.doc_source in {"S1", "S2"} and op.doc_section == f"api-reference.md §{op.doc_tag}"
    assert op.tags and op.summary
    stem = op.path.replace("/v1.0", "").replace("/v2.0", "")
    assert op.request_schema_id == f"{schemas.BASE_URI}{stem[1:]}.request.json"
    assert op.response(200).schema_id == f"{schemas.BASE_URI}{stem[1:]}.response.json"
    assert op.response(400).schema_id == f"{schemas.BASE_URI}{stem[1:]}.error.json"
    for schema_id in (op.request_schema_id, *(response.schema_id for response in op.responses)):
        assert schemas.schema(schema_id)


@pytest.mark.parametrize("op", openapi.operations(), ids=lambda op: op.doc_tag)
def test_media_types_and_correlation_headers(op: openapi.Operation) -> None:
    """api-reference.md §1: form requests, JSON responses; correlation headers per Seed002 and the SDKs."""
    spec = openapi.document()["paths"][op.path]["post"]
    assert set(spec["requestBody"]["content"]) == {"application/x-www-form-urlencoded"}
    assert spec["parameters"] == [{"$ref": "#/components/parameters/ClientRequestId"}]
    for raw in spec["responses"].values():
        response = _local(raw["$ref"]) if "$ref" in raw else raw
        assert set(response["content"]) == {"application/json"}
        assert set(response["headers"]) == {"client-request-id", "x-ms-request-id"}


@pytest.mark.parametrize("value", ["00001111-aaaa-2222-bbbb-3333cccc4444", "not-a-guid", "0.5", ""])
def test_client_request_id_takes_any_value(value: str) -> None:
    """No page states the form of `client-request-id` (Seed002 only describes its echo): whatever a client sends, the
    request is not invalid for it, so a target answering it normally is no negative-data finding (issue 15)."""
    parameter = openapi.document()["components"]["parameters"]["ClientRequestId"]
    assert Draft202012Validator(parameter["schema"]).is_valid(value)


def test_every_ref_resolves() -> None:
    """Local refs resolve in the document; file refs resolve through the schema registry."""
    for ref in _refs(openapi.document()):
        if ref.startswith("#/"):
            assert _local(ref)
        else:
            file, fragment = urldefrag(ref)
            schemas.resolve(f"#{fragment}", schemas.schema_id(paths.OPENAPI_PATH.parent / file))


@pytest.mark.parametrize("op", openapi.operations(), ids=lambda op: op.doc_tag)
def test_redirect_variant_where_documented(op: openapi.Operation) -> None:
    has_redirect = any(variant.startswith("Redirect") for variant in op.success_variants)
    assert has_redirect is (op.doc_tag in REDIRECTS)


def test_grant_type_steps() -> None:
    steps = {
        op.doc_tag: {p.grant_type for p in op.parameters} for op in openapi.operations() if op.parameters[0].grant_type
    }
    assert steps == STEPS
    refresh = schemas.schema(openapi.operation("token").request_schema_id)["$defs"]["refresh_token"]
    assert refresh["x-documented"] == "generic-only"


def test_every_form_field_is_a_string_parameter_with_its_rule() -> None:
    """Spot checks of §3–§6 parameter tables, including the errata rulings."""
    params = {(op.doc_tag, p.grant_type, p.name): p for op in openapi.operations() for p in op.parameters}
    assert (
        params[("E1", None, "challenge_type")].required and "redirect" in params[("E1", None, "challenge_type")].pattern
    )
    assert (
        not params[("E2", None, "challenge_type")].required
        and "ERR-44" in params[("E2", None, "challenge_type")].errata
    )
    assert (
        params[("E8", None, "continuation_token")].required
        and "ERR-40" in params[("E8", None, "continuation_token")].errata
    )
    assert not params[("E6", "continuation_token", "username")].required
    assert params[("E9", None, "challenge_type")].examples == ("oob", "oob redirect")
    assert "ERR-73" in params[("E9", None, "challenge_type")].errata
    assert params[("E9", None, "challenge_channel")].enum == ("email", "sms")
    assert ("E10", "continuation_token", "oob") not in params
    assert "ERR-25" in params[("E11", None, "capabilities")].errata


def test_error_enums() -> None:
    """api-reference.md §7.9: the error values each endpoint documents, with the errata rulings."""
    e3 = openapi.error_enum(openapi.path_of("E3"))
    assert {"credential_required", "attributes_required", "verification_required"} <= e3
    assert "server_error" in openapi.error_enum(openapi.path_of("E7"))
    e8 = openapi.error_enum(openapi.path_of("E8"))
    assert openapi.error_enum(openapi.path_of("E9")) == e8 | {"access_denied"}
    token = openapi.path_of("E6")
    generic = openapi.error_enum(token) - openapi.error_enum(token, generic=False)
    assert generic == {"invalid_resource", "interaction_required", "temporarily_unavailable"}
    assert openapi.error_enum(token, 500) == openapi.error_enum(token)
    assert openapi.error_enum(openapi.path_of("E9"), 429) == frozenset()


def test_error_statuses() -> None:
    """Every documented error is 400 (§1); E6 adds Seed002's 401/403/500 (x-generic), E9 adds 429."""
    statuses = {op.doc_tag: op.error_statuses for op in openapi.operations()}
    assert statuses.pop("E6") == (400, 401, 403, 500)
    assert statuses.pop("E9") == (400, 429)
    assert set(statuses.values()) == {(400,)}
    token = openapi.operation("token")
    assert [r.generic for r in token.responses] == [False, False, True, True, True]


def test_links_chain_continuation_tokens() -> None:
    assert {(link.source, link.status, link.target) for link in openapi.links()} == CHAIN


@pytest.mark.parametrize("link", openapi.links(), ids=lambda link: f"{link.source}-{link.status}-{link.name}")
def test_link_targets_existing_operation_and_fields(link: openapi.Link) -> None:
    """Each link reads documented response fields and writes form fields the target accepts."""
    target = openapi.operation(link.target)
    source = openapi.operation(link.source).response(link.status)
    fields = {p.name: p for p in target.parameters}
    assert ("continuation_token", "$response.body#/continuation_token") in link.body
    for field, value in link.body:
        assert field in fields
        if value.startswith("$response.body#/"):
            assert value.split("/")[1] in schemas.documented_properties(source.schema_id)
        else:
            assert value in {p.enum[0] for p in target.parameters if p.name == field}


def test_schemathesis_loads_every_operation_and_link(loaded: schemathesis.BaseSchema) -> None:
    """schemathesis 4.32 reads the document with its external file refs, and accepts every link as a transition."""
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert sorted(op.label for op in operations) == sorted(f"POST {path}" for path, _ in CATALOGUE.values())
    transitions = collect_transitions(operations)
    accepted = {
        (link.source.label, int(link.status_code), link.name, link.target.label)
        for node in transitions.operations.values()
        for link in node.outgoing
    }
    ids = {op.operation_id: f"POST {op.path}" for op in openapi.operations()}
    assert accepted == {(ids[link.source], link.status, link.name, ids[link.target]) for link in openapi.links()}


@pytest.mark.parametrize("path", [path for path, _ in CATALOGUE.values()])
def test_schemathesis_generates_documented_form_bodies(loaded: schemathesis.BaseSchema, path: str) -> None:
    """Positive cases schemathesis generates are form bodies our own request validator accepts."""
    operation = loaded[path]["POST"]
    request_validator = schemas.validator(schemas.request_schema_id(path))

    @given(operation.as_strategy())
    @settings(max_examples=10, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        assert case.media_type == "application/x-www-form-urlencoded"
        assert request_validator.is_valid(case.body), case.body

    check()


def test_flow_control_links_say_when_they_apply() -> None:
    """A link that follows only some answers of its status says which in `x-when` (data, not description text): the
    flow-control errors and the SSPR poll's `succeeded`."""
    when = {link.name: dict(link.when) for link in openapi.links() if link.when}
    assert when == {
        "CredentialRequired": {"error": "credential_required"},
        "AttributesRequired": {"error": "attributes_required"},
        "MfaRequired": {"suberror": "mfa_required"},
        "RegistrationRequired": {"suberror": "registration_required"},
        "SignIn": {"status": "succeeded"},
    }
    poll = next(link for link in openapi.links() if link.source == "ssprPollCompletion")
    assert poll.applies({"status": "succeeded"}) and not poll.applies({"status": "in_progress"})
    for link in openapi.links():
        if link.status == 400:
            assert link.when, f"{link.name}: a link from an error answer needs x-when"
