"""The OpenAPI document `specs/native-auth.openapi.yaml`: operations, parameters, responses and links.

schemathesis 4.32 loads the document as it is, external file `$ref`s included:
`schemathesis.openapi.from_path(paths.OPENAPI_PATH)` (checked by `tests/contract/test_openapi.py`), so no bundled copy
is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from conformance.contract import paths, schemas


@dataclass(frozen=True, slots=True)
class Parameter:
    """One form field of a request step."""

    name: str
    required: bool
    grant_type: str | None  # the step's `grant_type` value; None for endpoints without one
    enum: tuple[str, ...]  # allowed values (`enum` or `const`); empty when free-form
    pattern: str | None
    errata: tuple[str, ...]
    examples: tuple[str, ...] = ()  # values the docs name for a free-form field (JSON Schema `examples`)
    basis: str = "documented"  # `x-basis`: documented, or observed / inferred with the rule `x-rule` names
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """One documented HTTP status of an operation."""

    status: int
    schema_id: str
    generic: bool  # documented only by the generic token-issuance page (Seed002)
    errata: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Link:
    """A response value that feeds a form field of the next operation of the flow."""

    name: str
    source: str  # operationId
    status: int
    target: str  # operationId
    body: tuple[tuple[str, str], ...]  # (target form field, runtime expression or literal value)
    description: str
    when: tuple[tuple[str, str], ...] = ()  # (`x-when`) the answer's body fields this link needs; () for any answer

    def applies(self, body: dict[str, Any]) -> bool:
        """Whether the link follows from an answer with this body (`x-when`: e.g. `error: credential_required`)."""
        return all(body.get(name) == value for name, value in self.when)


@dataclass(frozen=True, slots=True)
class Operation:
    """One endpoint (every endpoint has exactly one operation, `POST`)."""

    path: str
    operation_id: str
    doc_tag: str
    summary: str
    tags: tuple[str, ...]
    doc_source: str
    doc_section: str
    request_schema_id: str
    parameters: tuple[Parameter, ...]
    success_variants: tuple[str, ...]  # titles of the 200 variants
    responses: tuple[Response, ...]
    links: tuple[Link, ...]
    #: The request steps' doc tags with their `grant_type` (`E3a` oob, `E3b` password, `E3c` attributes, from the
    #: request schema's `x-doc-tag`s); one step `(doc_tag, None)` where the request schema names none.
    steps: tuple[tuple[str, str | None], ...] = ()

    @property
    def family(self) -> str:
        """The endpoint family: the path's first segment (`signup`, `oauth2`, `register`, `resetpassword`)."""
        return self.path.strip("/").split("/", 1)[0]

    @property
    def step_tags(self) -> tuple[str, ...]:
        """The doc tags of the request steps, in document order (`E3a`, `E3b`, `E3c`; else the operation's own tag)."""
        return tuple(tag for tag, _ in self.steps)

    @property
    def error_statuses(self) -> tuple[int, ...]:
        """Documented non-200 statuses."""
        return tuple(response.status for response in self.responses if response.status != 200)

    def response(self, status: int) -> Response:
        """The documented response for `status`; KeyError when the status is undocumented."""
        for response in self.responses:
            if response.status == status:
                return response
        raise KeyError(f"HTTP {status} is not documented for {self.path}")


@cache
def document() -> dict[str, Any]:
    """The parsed OpenAPI document."""
    return yaml.safe_load(paths.OPENAPI_PATH.read_text(encoding="utf-8"))


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation, in document order."""
    return tuple(_operation(path, item["post"]) for path, item in document()["paths"].items())


def operation(key: str) -> Operation:
    """The operation with this path, operationId, doc tag (`E6`) or step tag (`E3a`); KeyError names an unknown one."""
    for candidate in operations():
        if key in (candidate.path, candidate.operation_id, candidate.doc_tag) or key in candidate.step_tags:
            return candidate
    raise KeyError(f"no operation {key!r} in {paths.OPENAPI_PATH.name}")


def path_of(key: str) -> str:
    """The path of an operation named by operationId or doc tag (`signupStart`, `E1`, `E3a`): the one place a
    native-auth endpoint path comes from."""
    return operation(key).path


def operation_at(url_path: str) -> Operation | None:
    """The operation a request URL's path addresses, under whatever base (`/contoso.onmicrosoft.com/...`); None for
    any other path."""
    return next((op for op in operations() if url_path.endswith(op.path)), None)


@cache
def families() -> tuple[str, ...]:
    """The endpoint families, in document order (`signup`, `oauth2`, `register`, `resetpassword`)."""
    return tuple(dict.fromkeys(op.family for op in operations()))


def metadata_path(name: str) -> str:
    """A route a native-auth tenant serves beside the documented operations (`x-metadata-paths`: `discovery`,
    `jwks`, `authorize`), under the same base; KeyError names an unknown one."""
    known = document()["x-metadata-paths"]
    if name not in known:
        raise KeyError(f"no metadata path {name!r} in {paths.OPENAPI_PATH.name} (x-metadata-paths)")
    return known[name]["path"]


def links() -> tuple[Link, ...]:
    """Every link of every operation."""
    return tuple(link for candidate in operations() for link in candidate.links)


@cache
def grant_types(operation_id: str | None = None) -> tuple[str, ...]:
    """Every `grant_type` value a native-auth endpoint documents (a continuation-token grant of some step), or the
    operation `operation_id` documents, in document order."""
    ops = operations() if operation_id is None else (operation(operation_id),)
    return tuple(dict.fromkeys(p.grant_type for op in ops for p in op.parameters if p.grant_type))


def error_enum(path: str, status: int = 400, *, generic: bool = True) -> frozenset[str]:
    """Documented `error` values of an endpoint's error response; `generic=False` drops Seed002-only values."""
    values: set[str] = set()
    for part in schemas.schema(schemas.response_schema_id(path, status)).get("allOf", []):
        narrowed = part.get("properties", {}).get("error")
        for branch in narrowed.get("anyOf", [narrowed]) if narrowed else []:
            if generic or not branch.get("x-generic"):
                values.update(branch["enum"])
    return frozenset(values)


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    """Follow local `$ref`s (`#/components/...`) inside the document."""
    while "$ref" in node:
        target: Any = document()
        for key in node["$ref"].removeprefix("#/").split("/"):
            target = target[key]
        node = target
    return node


def _content_schema_id(container: dict[str, Any], media_type: str) -> str:
    """The schema `$id` a request or response content refers to by relative file path."""
    ref = container["content"][media_type]["schema"]["$ref"]
    return schemas.schema_id(paths.OPENAPI_PATH.parent / ref)


def _operation(path: str, spec: dict[str, Any]) -> Operation:
    """Read one path item's `post` operation."""
    source = spec["x-doc-source"]
    request_id = _content_schema_id(spec["requestBody"], "application/x-www-form-urlencoded")
    responses, links = [], []
    for status, raw in spec["responses"].items():
        response = _deref(raw)
        responses.append(
            Response(
                status=int(status),
                schema_id=_content_schema_id(response, "application/json"),
                generic=bool(response.get("x-generic")),
                errata=tuple(response.get("x-errata", ())),
            )
        )
        links.extend(
            Link(
                name=name,
                source=spec["operationId"],
                status=int(status),
                target=link["operationId"],
                body=tuple(link.get("requestBody", {}).items()),
                description=link.get("description", ""),
                when=tuple((str(name), str(value)) for name, value in link.get("x-when", {}).items()),
            )
            for name, link in response.get("links", {}).items()
        )
    return Operation(
        path=path,
        operation_id=spec["operationId"],
        doc_tag=spec["x-doc-tag"],
        summary=spec["summary"],
        tags=tuple(spec["tags"]),
        doc_source=source["source"],
        doc_section=source["section"],
        request_schema_id=request_id,
        parameters=_parameters(request_id),
        success_variants=_variants(next(r.schema_id for r in responses if r.status == 200)),
        responses=tuple(responses),
        links=tuple(links),
        steps=_steps(request_id, spec["x-doc-tag"]),
    )


def _flatten(node: dict[str, Any], base: str) -> tuple[dict[str, Any], str]:
    """Merge a schema with the targets of its `$ref` chain (nearer keywords win, `x-errata` accumulate).

    Returns the merged schema and the resource its relative `$ref`s resolve against.
    """
    merged: dict[str, Any] = {}
    errata: list[str] = []
    while True:
        errata.extend(node.get("x-errata", ()))
        merged = {**node, **merged}
        if "$ref" not in node:
            break
        node, base = schemas.resolve(node["$ref"], base)
    merged.pop("$ref", None)
    merged["x-errata"] = tuple(dict.fromkeys(errata))
    return merged, base


def _parameters(request_id: str) -> tuple[Parameter, ...]:
    """Form fields per request step: one step per `grant_type` on shared paths, else the request schema itself."""
    root = schemas.schema(request_id)
    result = []
    for branch in root.get("oneOf", [root]):
        step, base = _flatten(branch, request_id)
        properties = {name: _flatten(prop, base)[0] for name, prop in step["properties"].items()}
        grant_type = properties.get("grant_type", {}).get("const")
        for name, prop in properties.items():
            allowed = prop.get("enum", [prop["const"]] if "const" in prop else [])
            result.append(
                Parameter(
                    name=name,
                    required=name in step.get("required", ()),
                    grant_type=grant_type,
                    enum=tuple(allowed),
                    pattern=prop.get("pattern"),
                    errata=prop["x-errata"],
                    examples=tuple(prop.get("examples", ())),
                    basis=prop.get("x-basis", "documented"),
                    rule=prop.get("x-rule"),
                )
            )
    return tuple(result)


def _steps(request_id: str, doc_tag: str) -> tuple[tuple[str, str | None], ...]:
    """(doc tag, `grant_type`) of each request step the request schema tags (`x-doc-tag`), else the one step."""
    root = schemas.schema(request_id)
    steps = []
    for branch in root.get("oneOf", [root]):
        step, base = _flatten(branch, request_id)
        if "x-doc-tag" in step:
            grant = _flatten(step["properties"]["grant_type"], base)[0] if "grant_type" in step["properties"] else {}
            steps.append((step["x-doc-tag"], grant.get("const")))
    return tuple(steps) or ((doc_tag, None),)


def _variants(response_id: str) -> tuple[str, ...]:
    """Titles of the documented success variants."""
    return tuple(_flatten(branch, response_id)[0]["title"] for branch in schemas.schema(response_id)["oneOf"])
