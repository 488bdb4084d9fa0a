"""Report pages: who may open them, filters, tables, charts and CSV links."""

from datetime import UTC, datetime

import pytest

from accounts.choices import Role
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, user_with_role):
    def make(role):
        client.force_login(user_with_role(role))
        return client

    return make


def test_pages_need_a_login(client):
    for path in ("/", "/reports/", "/reports/staff-joined/"):
        response = client.get(path)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", list(Role))
def test_the_report_page_opens_for_roles_with_its_permission(staff_report, login, role):
    response = login(role).get("/reports/staff-joined/")
    allowed = role not in (Role.INVENTORY_MANAGER,)
    assert response.status_code == (200 if allowed else 403)


def test_the_report_page_shows_a_table_a_chart_and_a_csv_link(staff_report, login):
    for minute in range(6):
        UserFactory(date_joined=datetime(2026, 12, 1, 8, minute, tzinfo=UTC))
    html = login(Role.DOCTOR).get("/reports/staff-joined/?date_from=2026-12-01&date_to=2026-12-01").content.decode()
    assert "<td>2026-12-01</td><td>6</td>" in html
    assert "<svg" in html and 'class="bar"' in html
    assert "/api/reports/staff-joined/csv?date_from=2026-12-01&amp;date_to=2026-12-01" in html
    assert "css/reports.css" in html


def test_the_report_page_hides_small_counts_from_viewers(staff_report, login):
    UserFactory(date_joined=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    html = login(Role.VIEWER).get("/reports/staff-joined/?date_from=2026-12-01&date_to=2026-12-01").content.decode()
    assert "<td>&lt;5</td>" in html
    assert "to protect patients" in html


def test_bad_filters_are_shown_on_the_form(staff_report, login):
    response = login(Role.DOCTOR).get("/reports/staff-joined/?date_from=2026-13-40")
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()


def test_an_unknown_report_page_is_a_404(login):
    assert login(Role.ADMINISTRATOR).get("/reports/no-such-report/").status_code == 404


def test_the_index_lists_only_what_the_role_may_open(staff_report, login):
    assert "staff-joined" in login(Role.VIEWER).get("/reports/").content.decode()
    assert "staff-joined" not in login(Role.INVENTORY_MANAGER).get("/reports/").content.decode()


def _allowed_roles(report):
    from accounts.roles import permissions_for

    return {role for role in Role if role == Role.ADMINISTRATOR or report.permission in permissions_for(role)}


@pytest.mark.parametrize("role", list(Role))
def test_every_report_page_opens_exactly_for_the_roles_with_its_permission(login, role):
    from reports.framework import REGISTRY

    client = login(role)
    for slug, report in REGISTRY.items():
        response = client.get(f"/reports/{slug}/")
        assert response.status_code == (200 if role in _allowed_roles(report) else 403), slug
        if response.status_code == 200:
            assert f"/api/reports/{slug}/csv?" in response.content.decode()


def test_the_roles_see_the_reports_the_issue_gives_them():
    from reports.framework import REGISTRY

    finance = {slug for slug, r in REGISTRY.items() if Role.FINANCE in _allowed_roles(r)}
    viewer = {slug for slug, r in REGISTRY.items() if Role.VIEWER in _allowed_roles(r)}
    costs = {"stock-consumption", "expiry-write-offs", "stock-value", "asset-book-value"}
    assert costs <= finance
    assert not costs & viewer
    assert "referral-follow-up" not in finance | viewer
    assert {slug for slug, r in REGISTRY.items() if r.category == "aggregate"} == viewer
