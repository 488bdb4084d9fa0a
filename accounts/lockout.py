"""django-axes hooks: lock an account (not an address) after repeated failed logins."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def username_from_credentials(request, credentials):
    """The API logs in with `email`, the staff login form with `username`; both are the email."""
    credentials = credentials or {}
    username = credentials.get("email") or credentials.get("username")
    if not username:
        data = getattr(request, "data", None) or request.POST
        username = data.get("email") or data.get("username")
    return (username or "").strip().lower()


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"This account is locked after {settings.AXES_FAILURE_LIMIT} failed login attempts. "
        f"Try again in {minutes} minutes or ask an administrator to unlock it."
    )


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"success": False, "error": lockout_message()}, status=429)
    return render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
