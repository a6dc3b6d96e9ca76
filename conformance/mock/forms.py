"""Reading a native-auth request body: `application/x-www-form-urlencoded`, bounded, strict UTF-8, no ambiguity."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request

MAX_BODY = 64 * 1024
MAX_FIELDS = 64
FORM_TYPE = "application/x-www-form-urlencoded"


class FormProblem(ValueError):
    """The body cannot be read as a documented form; the message says why (it becomes `error_description`)."""

    def __init__(self, message: str, *, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous


@dataclass(frozen=True, slots=True)
class Form:
    """Decoded form fields (each name once)."""

    fields: dict[str, str]

    def get(self, name: str, default: str | None = None) -> str | None:
        """A field's value, or `default`."""
        return self.fields.get(name, default)


async def read_body(request: Request) -> bytes:
    """The raw body, refusing more than MAX_BODY bytes without reading them all into memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise FormProblem(f"The request body exceeds {MAX_BODY} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_form(content_type: str | None, body: bytes, *, accept_json: bool = False) -> Form:
    """Decode a form body; FormProblem for another content type, bad encoding, too many or duplicated fields.

    A missing `Content-Type` is accepted because the documented E9/E10 examples omit it (ERR-38); a duplicated
    field is refused because the service cannot know which value was meant (ERR-19 sends `continuation_token` twice).
    `accept_json` (the `json_request_body_accepted` deviation) reads a JSON object body as if it were the form.
    """
    media = (content_type or FORM_TYPE).split(";", 1)[0].strip().lower()
    if accept_json and media == "application/json":
        try:
            value = json.loads(body)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return Form({str(k): str(v) for k, v in value.items()})
    if media != FORM_TYPE:
        raise FormProblem(f"Content-Type must be {FORM_TYPE}, got '{media[:80]}'.")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise FormProblem("The request body is not valid UTF-8.") from None
    except ValueError:
        raise FormProblem(f"The request body has more than {MAX_FIELDS} fields.") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise FormProblem(f"Request is ambiguous: parameter '{name[:40]}' was sent more than once.", ambiguous=True)
        fields[name] = value
    return Form(fields)
