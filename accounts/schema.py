"""OpenAPI description of the project's authentication class (imported in AccountsConfig.ready)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class AuditedJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.AuditedJWTAuthentication"
    name = "jwtAuth"
