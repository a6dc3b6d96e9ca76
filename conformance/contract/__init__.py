"""The executable specification: loads `specs/` and `schemas/` once and answers questions about them."""

from conformance.contract import openapi


def spec_version() -> tuple[str, str]:
    """The specification's version and the documentation date it encodes (both from the OpenAPI `info`)."""
    info = openapi.document()["info"]
    return info["version"], info.get("x-doc-date", info["version"])
