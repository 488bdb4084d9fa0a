"""Project-level endpoints: health and the JSON answers for paths no app handles."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from polmed.api import Envelope, api_error


def database_is_up() -> bool:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


@extend_schema(auth=[], responses={200: dict, 503: dict})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request):
    """Liveness and database check for load balancers and monitoring (no login)."""
    healthy = database_is_up()
    body = Envelope(
        success=healthy,
        status="healthy" if healthy else "unhealthy",
        timestamp=timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        version=settings.APP_VERSION,
        database="ok" if healthy else "unreachable",
    )
    if not healthy:
        body["error"] = "The database cannot be reached."
    return Response(body, status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE)


def api_not_found(request, *args, **kwargs):
    return api_error(request, 404, f"No API endpoint at {request.path}.")


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return render(request, "404.html", status=404)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_error(request, 500, "An internal server error occurred.")
    return render(request, "500.html", status=500)
