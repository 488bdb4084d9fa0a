"""Every named page (outside the API and the admin) is classified in some page test's access
declaration, so a new page has no tested access rules until someone declares who may use it.

The declarations (see `polmed.testing_pages`) are keyed by URL name, and the access tests
assert that the request they make resolves to that name.
"""

from importlib import import_module

from django.urls import URLPattern, URLResolver, get_resolver

PAGE_TEST_MODULES = [
    "polmed.tests.test_shared_pages",
    "scheduling.tests.test_public_pages",
    "scheduling.tests.test_staff_pages",
    "scheduling.tests.test_manage_day_page",
    "scheduling.tests.test_van_stock_page",
    "clinical.tests.test_pages",
]
DECLARATIONS = ("PAGES", "ACTIONS", "PUBLIC_PAGES")

# Pages whose access is not a role table, each tested on its own.
UNCLASSIFIED_ON_PURPOSE = {
    "login",  # public sign-in form with lockout (accounts/tests/test_views.py)
    "logout",  # ends whatever session there is (accounts/tests/test_views.py)
    "report-page",  # each report's own permission (reports/tests/test_pages.py)
}
NOT_PAGES = {"api", "admin"}


def _page_names():
    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace not in NOT_PAGES:
                assert pattern.name, f"Unnamed page {pattern.pattern}: name it so its access can be declared."
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns, None))


def _declared():
    declared = set()
    for module_name in PAGE_TEST_MODULES:
        module = import_module(module_name)
        found = [name for attribute in DECLARATIONS for name in getattr(module, attribute, ())]
        assert found, f"{module_name} declares no pages"
        declared.update(found)
    return declared


def test_every_page_is_in_a_page_access_declaration():
    missing = _page_names() - _declared() - UNCLASSIFIED_ON_PURPOSE

    assert not missing, f"Pages with no declared access (add them to a page test's PAGES/ACTIONS): {sorted(missing)}"


def test_every_declared_page_exists():
    stale = (_declared() | UNCLASSIFIED_ON_PURPOSE) - _page_names()

    assert not stale, f"Declared pages that no URL is named: {sorted(stale)}"
