"""API conventions every app uses: the envelope, pagination, errors, permissions, routing.

Success: {"success": true, "data": ..., "message"?: ...}; lists add
"pagination": {"page", "per_page", "total", "pages"}.
Errors: {"success": false, "error": "readable sentence", "details"?: {field: [messages]}}.
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from polmed.exceptions import ConflictError, RuleViolation

logger = logging.getLogger(__name__)


class Envelope(dict):
    """A response body that is already in envelope form; the renderer leaves it as it is."""


def success(data=None, *, message=None, status_code=status.HTTP_200_OK, headers=None) -> Response:
    body = Envelope(success=True)
    if data is not None:
        body["data"] = data
    if message:
        body["message"] = message
    return Response(body, status=status_code, headers=headers)


def created(data=None, *, message=None, headers=None) -> Response:
    return success(data, message=message, status_code=status.HTTP_201_CREATED, headers=headers)


class Conflict(exceptions.APIException):
    """409: the request is valid but clashes with the current state (a duplicate, a closed visit, no stock)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class EnvelopeJSONRenderer(JSONRenderer):
    """Wraps plain response data in the success envelope; error bodies are built by the handler."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == status.HTTP_204_NO_CONTENT:
            return b""
        if not isinstance(data, Envelope):
            if response is not None and response.status_code >= 400:
                data = _error_body(data, response.status_code)
            else:
                data = Envelope(success=True, data=data)
        return super().render(data, accepted_media_type, renderer_context)


class EnvelopePagination(PageNumberPagination):
    """`?page=&per_page=` (at most 100), returning the spec's pagination block."""

    page_size = 20
    page_size_query_param = "per_page"
    max_page_size = 100

    def get_paginated_response(self, data):
        return Response(
            Envelope(
                success=True,
                data=data,
                pagination={
                    "page": self.page.number,
                    "per_page": self.page.paginator.per_page,
                    "total": self.page.paginator.count,
                    "pages": self.page.paginator.num_pages,
                },
            )
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["success", "data", "pagination"],
            "properties": {
                "success": {"type": "boolean", "example": True},
                "data": schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        "page": {"type": "integer", "example": 1},
                        "per_page": {"type": "integer", "example": 20},
                        "total": {"type": "integer", "example": 150},
                        "pages": {"type": "integer", "example": 8},
                    },
                },
            },
        }


def pagination_block(*, page: int, per_page: int, total: int) -> dict:
    """The spec's pagination block for lists that are not paginated by DRF."""
    return {"page": page, "per_page": per_page, "total": total, "pages": max(1, math.ceil(total / per_page))}


def _first_messages(details, prefix=""):
    """Flatten DRF's nested error structure into 'field: message' sentences."""
    if isinstance(details, dict):
        for key, value in details.items():
            name = "" if key == "non_field_errors" else f"{prefix}{key}"
            yield from _first_messages(value, f"{name}." if name else "")
    elif isinstance(details, list):
        for item in details:
            yield from _first_messages(item, prefix)
    else:
        field = prefix.rstrip(".")
        yield f"{field}: {details}" if field else str(details)


def _error_body(data, status_code) -> Envelope:
    if isinstance(data, dict) and set(data) == {"detail"}:
        return Envelope(success=False, error=str(data["detail"]))
    if isinstance(data, (dict, list)):
        messages = list(_first_messages(data))
        details = data if isinstance(data, dict) else {"non_field_errors": data}
        error = "Invalid input. " + " ".join(messages[:3]) if status_code == 400 else " ".join(messages)
        return Envelope(success=False, error=error.strip(), details=details)
    return Envelope(success=False, error=str(data))


def envelope_exception_handler(exc, context):
    """Every error the API raises, in the error envelope; unexpected ones become a bare 500."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) and "matches the given query" not in str(exc) else None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ConflictError):
        exc = Conflict(exc.message, code=exc.code)
    elif isinstance(exc, RuleViolation):
        exc = exceptions.ValidationError(
            {exc.field: [exc.message]} if exc.field else {"non_field_errors": [exc.message]}
        )
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )

    from rest_framework.views import exception_handler as drf_exception_handler  # noqa: PLC0415 (import cycle)

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context["view"].__class__.__name__, exc_info=exc)
        return Response(
            Envelope(success=False, error="An internal server error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    response.data = _error_body(response.data, response.status_code)
    return response


def api_error(request, status_code: int, message: str) -> JsonResponse:
    """The error envelope for responses produced outside DRF (unknown paths, handler500)."""
    return JsonResponse({"success": False, "error": message}, status=status_code)


def envelope_schema_hook(result, generator, request, public):
    """Document the error envelope once, for every operation in the OpenAPI schema."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorEnvelope"] = {
        "type": "object",
        "required": ["success", "error"],
        "properties": {
            "success": {"type": "boolean", "example": False},
            "error": {"type": "string", "example": "Descriptive error message"},
            "details": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    }
    error_response = {
        "description": "Error envelope",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if code.startswith("2") and schema and "pagination" not in schema.get("properties", {}):
                    response["content"]["application/json"]["schema"] = {
                        "type": "object",
                        "required": ["success"],
                        "properties": {
                            "success": {"type": "boolean", "example": True},
                            "data": schema,
                            "message": {"type": "string"},
                        },
                    }
            for code in ("400", "401", "403", "404"):
                operation["responses"].setdefault(code, error_response)
    return result


def spec_paths_hook(endpoints):
    """Document paths as the spec writes them, without the optional trailing slash."""
    return [(path.rstrip("/") or path, regex, method, callback) for path, regex, method, callback in endpoints]
