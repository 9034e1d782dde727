"""API-wide pieces: errors always come back as JSON with field errors, never a 500 page."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    # Services raise Django's ValidationError; the API answers 400 with the same field errors.
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


class Pages(LimitOffsetPagination):
    """`?limit=&offset=` pages of 50, at most 200: a bigger limit is cut to 200, never passed
    on (an unbounded one dumped a table, and one past 2^63 broke SQLite with a 500)."""

    max_limit = 200


_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": 'Messages by field name; "non_field_errors" for the request as a whole.',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
_WRITES = {"post", "put", "patch"}


def document_errors(result, generator, request, public):
    """A drf-spectacular postprocessing hook: every operation documents the errors it can
    answer, each with the body the API sends: 400 (field errors, or a `detail` for a body
    that does not parse), 401, 403 and 404 (no such object, or a list's cursor or format
    that means nothing)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = _ERROR
    schemas["FieldErrors"] = _FIELD_ERRORS
    error = {"$ref": "#/components/schemas/Error"}
    invalid = {"oneOf": [{"$ref": "#/components/schemas/FieldErrors"}, error]}

    def answer(description: str, schema: dict) -> dict:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            queried = any(p.get("in") == "query" for p in operation.get("parameters", []))
            if method in _WRITES or queried:
                responses.setdefault("400", answer("Invalid input", invalid))
            responses.setdefault("401", answer("No valid token", error))
            responses.setdefault("403", answer("Not allowed for this user", error))
            responses.setdefault("404", answer("Not found, or not visible to you", error))
    return result
