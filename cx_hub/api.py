"""API-wide pieces: errors always come back as JSON with field errors, never a 500 page."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    # Services raise Django's ValidationError; the API answers 400 with the same field errors.
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)
