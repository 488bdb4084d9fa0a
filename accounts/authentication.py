from auditlog.context import auditlog_value
from rest_framework_simplejwt.authentication import JWTAuthentication


def bind_audit_actor(user) -> None:
    """Attribute this request's audit entries to `user`.

    auditlog's middleware picks the actor from the session user before DRF has
    authenticated a bearer token, so JWT requests would otherwise be logged without one.
    """
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = user


class AuditedJWTAuthentication(JWTAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            bind_audit_actor(result[0])
        return result
