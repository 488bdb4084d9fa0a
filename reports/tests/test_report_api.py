"""The generic report endpoint: permissions by category, filters, CSV, suppression, errors."""

from datetime import UTC, datetime

import pytest

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from polmed.testing import assert_access, assert_error

pytestmark = pytest.mark.django_db

URL = "/api/reports/staff-joined"
DAY = {"date_from": "2026-12-01", "date_to": "2026-12-01"}


def joined_on_first_december(n):
    for i in range(n):
        UserFactory(date_joined=datetime(2026, 12, 1, 8, i, tzinfo=UTC))


AGGREGATE_ROLES = {
    Role.ADMINISTRATOR,
    Role.DOCTOR,
    Role.NURSE,
    Role.CLERK,
    Role.SOCIAL_WORKER,
    Role.FINANCE,
    Role.VIEWER,
}


@pytest.mark.parametrize("role", list(Role))
def test_aggregate_reports_are_open_to_the_roles_that_hold_the_permission(staff_report, client_for, role):
    response = client_for(role).get(URL, DAY)
    assert_access(response, role in AGGREGATE_ROLES)


def test_it_returns_the_columns_and_rows(staff_report, client_for):
    joined_on_first_december(6)
    body = client_for(Role.DOCTOR).get(URL, DAY).json()
    assert body["success"] is True
    data = body["data"]
    assert data["report"] == "staff-joined"
    assert data["columns"] == [
        {"key": "day", "label": "Day", "type": "date"},
        {"key": "joined", "label": "Staff joined", "type": "count"},
    ]
    assert data["rows"] == [{"day": "2026-12-01", "joined": 6}]
    assert data["filters"]["date_from"] == "2026-12-01"


def test_small_counts_are_hidden_from_roles_without_patient_access(staff_report, client_for):
    joined_on_first_december(3)
    for role in (Role.VIEWER, Role.FINANCE):
        data = client_for(role).get(URL, DAY).json()["data"]
        assert data["rows"] == [{"day": "2026-12-01", "joined": None}]
        assert data["suppressed_cells"] == 1
    data = client_for(Role.NURSE).get(URL, DAY).json()["data"]
    assert data["rows"] == [{"day": "2026-12-01", "joined": 3}]
    assert data["suppressed_cells"] == 0


@pytest.mark.parametrize("path", [f"{URL}?format=csv&", f"{URL}/csv?", f"{URL}/csv/?"])
def test_csv_downloads_the_same_table(staff_report, client_for, path):
    joined_on_first_december(3)
    response = client_for(Role.VIEWER).get(f"{path}date_from=2026-12-01&date_to=2026-12-01")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="staff-joined_2026-12-01_2026-12-01.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines() == ["Day,Staff joined", "2026-12-01,<5"]


def test_bad_filters_are_a_400_naming_the_field_even_for_csv(staff_report, client_for):
    response = client_for(Role.DOCTOR).get(f"{URL}/csv", {"date_from": "yesterday"})
    body = assert_error(response, 400, contains="date_from")
    assert "YYYY-MM-DD" in body["details"]["date_from"][0]


def test_csv_is_refused_to_roles_without_the_permission(staff_report, client_for):
    assert_error(client_for(Role.INVENTORY_MANAGER).get(f"{URL}/csv"), 403)


def test_an_unknown_report_is_a_404(client_for):
    assert_error(client_for(Role.ADMINISTRATOR).get("/api/reports/no-such-report"), 404)


def test_anonymous_callers_must_log_in(staff_report, api_client):
    assert_error(api_client.get(URL), 401)


def test_the_index_lists_only_the_reports_a_role_may_open(staff_report, client_for):
    slugs = {entry["slug"] for entry in client_for(Role.VIEWER).get("/api/reports").json()["data"]}
    assert "staff-joined" in slugs
    slugs = {entry["slug"] for entry in client_for(Role.INVENTORY_MANAGER).get("/api/reports").json()["data"]}
    assert "staff-joined" not in slugs


def test_the_query_count_does_not_grow_with_the_data(staff_report, client_for, django_assert_max_num_queries):
    client = client_for(Role.VIEWER)
    joined_on_first_december(1)
    with django_assert_max_num_queries(8) as captured:
        client.get(URL, DAY)
    baseline = len(captured)
    joined_on_first_december(40)
    with django_assert_max_num_queries(baseline):
        client.get(URL, DAY)
