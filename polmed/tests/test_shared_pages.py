"""Pages every signed-in role opens: the dashboard and the list of reports (each report page
checks its own permission: reports/tests/test_pages.py)."""

import pytest

from polmed.testing_pages import ALL_ROLES, PAGE_ARGS, assert_login_required, assert_page_access, page_access_cases

pytestmark = pytest.mark.django_db

PAGES = {
    "home": frozenset(ALL_ROLES),
    "reports-index": frozenset(ALL_ROLES),
}
PATHS = {"home": "/", "reports-index": "/reports/"}


@pytest.mark.parametrize(PAGE_ARGS, page_access_cases(PAGES))
def test_every_signed_in_role_opens_the_dashboard_and_the_reports_list(
    client, user_with_role, page_name, role, allowed
):
    client.force_login(user_with_role(role))

    assert_page_access(client.get(PATHS[page_name]), allowed, page_name)


@pytest.mark.parametrize("name", PAGES)
def test_the_dashboard_and_the_reports_list_need_a_login(client, name):
    assert_login_required(client.get(PATHS[name]))
