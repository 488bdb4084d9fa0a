"""Every API endpoint and method is classified in some app's permission matrix, so a new
endpoint has no tested access rules until someone declares who may use it."""

import re
from importlib import import_module

from django.urls import URLPattern, URLResolver, get_resolver, resolve

MATRIX_MODULES = [
    "accounts.tests.test_permissions",
    "inventory.tests.test_permissions",
    "scheduling.tests.test_api",
    "clinical.tests.test_permissions",
    "reports.tests.test_permissions",
]

# Endpoints whose access is not role-based, each tested on its own.
UNCLASSIFIED_ON_PURPOSE = {
    "api:health",  # public health check (polmed/tests/test_api_conventions.py)
    "api:schema",  # public OpenAPI schema
    "api:docs",  # public Swagger UI
    "api:auth-login",  # credentials in the body (accounts/tests/test_auth_api.py)
    "api:auth-refresh",
    "api:auth-logout",
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _api_endpoints():
    """(name, callback, method) for every routed API view and each method it answers."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "api":
                yield pattern

    for pattern in walk(get_resolver().url_patterns, None):
        callback = pattern.callback
        name = f"api:{pattern.name}" if pattern.name else str(pattern.pattern)
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is None:
            continue  # the JSON 404 for unknown paths
        actions = getattr(callback, "actions", None)
        methods = set(actions) if actions else {m for m in HTTP_METHODS if hasattr(view_class, m)}
        for method in sorted(methods & HTTP_METHODS):
            yield name, callback, method.upper()


def _classified():
    covered = set()
    for module_name in MATRIX_MODULES:
        for row in import_module(module_name).MATRIX:
            path = re.sub(r"\{\w+\}", "1", row.path).split("?")[0]
            covered.add((resolve(path).func, "PATCH" if row.method == "PUT" else row.method))
    return covered


def test_every_api_endpoint_is_in_a_permission_matrix():
    covered = _classified()
    missing = sorted(
        f"{method} {name}"
        for name, callback, method in _api_endpoints()
        if name not in UNCLASSIFIED_ON_PURPOSE and (callback, "PATCH" if method == "PUT" else method) not in covered
    )

    assert missing == []
