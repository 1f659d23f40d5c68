"""One error vocabulary: ValidationError for bad input, ApplicationError for refused business moves."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A business move the rules refuse (wrong state, not allowed). `status_code` maps it to HTTP."""

    status_code = 409

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


def nest_dotted_errors(errors: dict[str, Any]) -> dict[str, Any]:
    """Services name nested fields `claimant.phone`; API clients expect `{"claimant": {"phone": [...]}}`."""
    nested: dict[str, Any] = {}
    for key, messages in errors.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})
            nested[head].update(nest_dotted_errors({rest: messages}))
        else:
            nested[key] = messages
    return nested


def validation_error_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return nest_dotted_errors(exc.message_dict)
    return {"non_field_errors": exc.messages}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    if response is None:
        return None
    if response.status_code >= 500:
        response.status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    return response
