"""Helpers for the server-rendered pages every app shares: access checks, no-store, domain errors in forms."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.cache import add_never_cache_headers

from polmed.audit import client_address, log_reads
from polmed.exceptions import ConflictError, RuleViolation


def staff_page(*perms: str, any_of: bool = False) -> Callable:
    """A page for signed-in staff holding `perms` (all of them, or any with `any_of=True`).

    Anonymous visitors are sent to the login page; signed-in users without the permission get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            check = any if any_of else all
            if perms and not check(request.user.has_perm(perm) for perm in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def require_perm(user, *perms: str) -> None:
    """Inside a page: refuse an action (403) the user's role does not allow."""
    if not all(user.has_perm(perm) for perm in perms):
        raise PermissionDenied


def patient_data(view):
    """Pages showing patient data: never cached by the browser or a proxy (POPIA)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
        return response

    return wrapped


def audit_reads(request, instances) -> None:
    log_reads(instances, actor=request.user, remote_addr=client_address(request))


def add_domain_error(form, exc: Exception, *, fields: dict[str, str] | None = None) -> None:
    """Show an error a model or service raised next to the field it concerns (or above the form).

    `fields` maps a service's field names to the form's where they differ.
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                name = (fields or {}).get(name, name)
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return
    if isinstance(exc, (RuleViolation, ConflictError)):
        name = getattr(exc, "field", None)
        name = (fields or {}).get(name, name)
        form.add_error(name if name in form.fields else None, exc.message)
        return
    raise exc
