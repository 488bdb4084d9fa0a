"""Test helpers for the server-rendered pages: who may open a page, and who may not."""

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


def assert_page_access(response, allowed: bool) -> None:
    """Permitted roles see the page (or are redirected by it); the others get 403."""
    if allowed:
        assert response.status_code in (200, 302), (response.status_code, response.content[:300])
        if response.status_code == 302:
            assert not response["Location"].startswith("/login/")
    else:
        assert response.status_code == 403, (response.status_code, response.content[:300])


def assert_login_required(response) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/login/")
