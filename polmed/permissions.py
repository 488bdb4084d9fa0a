"""The one API permission class: model permissions from the role table, GET included."""

from rest_framework import exceptions, permissions


class RolePermissions(permissions.DjangoModelPermissions):
    """Model permissions for every method, GET included (stock DRF lets any user read).

    A view without a queryset must declare `required_permissions` per method or action;
    anything not declared is denied. Custom actions map to permissions through
    `action_permissions = {"advance": ["clinical.advance_visit"]}`.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            # Let DRF answer 401 rather than 403 to anonymous callers.
            raise exceptions.NotAuthenticated()
        declared = self._declared_permissions(request, view)
        if declared is not None:
            return request.user.has_perms(declared)
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return False
        return super().has_permission(request, view)

    @staticmethod
    def _declared_permissions(request, view):
        action = getattr(view, "action", None)
        action_permissions = getattr(view, "action_permissions", {})
        if action and action in action_permissions:
            return list(action_permissions[action])
        required = getattr(view, "required_permissions", None)
        if required is not None:
            if request.method in ("HEAD", "OPTIONS"):
                return list(required.get("GET", ()))
            if request.method not in required:
                raise exceptions.MethodNotAllowed(request.method)
            return list(required[request.method])
        return None
