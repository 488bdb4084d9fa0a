"""Test helpers for the server-rendered pages: who may open a page, and who may not.

Each page test module declares its pages by URL name, so `polmed/tests/test_page_coverage.py`
can check that every page is classified:

- `PAGES = {"app:url-name": roles(...)}`: pages opened with GET, checked per role;
- `ACTIONS = {"app:url-name": roles(...)}`: POST-only form targets, checked per role;
- `PUBLIC_PAGES = ("app:url-name", ...)`: pages anyone may use without signing in.
"""

import pytest

from accounts.choices import Role

ALL_ROLES = tuple(Role)


def page_access_cases(pages: dict[str, frozenset[Role]]):
    """Parametrize over every (page, role): `@pytest.mark.parametrize(PAGE_ARGS, page_access_cases(PAGES))`."""
    return [
        pytest.param(name, role, role in allowed, id=f"{name} as {role.value}")
        for name, allowed in pages.items()
        for role in ALL_ROLES
    ]


PAGE_ARGS = ("page_name", "role", "allowed")


def assert_is_page(response, page_name: str) -> None:
    """The request went to the page the declaration names (a test cannot vouch for another URL)."""
    assert response.resolver_match.view_name == page_name, (response.resolver_match.view_name, page_name)


def assert_page_access(response, allowed: bool, page_name: str | None = None) -> None:
    """Permitted roles see the page (or are redirected by it); the others get 403."""
    if page_name:
        assert_is_page(response, page_name)
    if allowed:
        assert response.status_code in (200, 302), (response.status_code, response.content[:300])
        if response.status_code == 302:
            assert not response["Location"].startswith("/login/")
    else:
        assert response.status_code == 403, (response.status_code, response.content[:300])


def assert_action_access(response, allowed: bool, page_name: str) -> None:
    """A POST-only form target: permitted roles get past the access check (the form may still
    be refused, or the object missing); the others get 403."""
    assert_is_page(response, page_name)
    if allowed:
        assert response.status_code not in (401, 403, 405), (response.status_code, response.content[:300])
        if response.status_code == 302:
            assert not response["Location"].startswith("/login/")
    else:
        assert response.status_code == 403, (response.status_code, response.content[:300])


def assert_login_required(response) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/login/")
