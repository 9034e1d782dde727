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
