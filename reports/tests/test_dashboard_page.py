"""The dashboard at / : today's figures for everyone, charts and alerts by role."""

import datetime

import pytest
from django.utils import timezone

from accounts.choices import Role
from clinical.models import Diagnosis
from clinical.tests.factories import VisitFactory
from inventory.tests.factories import BatchFactory, ItemFactory, StockLevelFactory
from scheduling.tests.factories import RouteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, user_with_role):
    def get(role):
        client.force_login(user_with_role(role))
        response = client.get("/")
        assert response.status_code == 200
        return response.content.decode()

    return get


@pytest.fixture
def clinic_day():
    route = RouteFactory()
    today = timezone.localdate()
    for _ in range(6):
        visit = VisitFactory(visit_date=today, route=route)
        Diagnosis.objects.create(visit=visit, code="I10", description="Essential (primary) hypertension")
    van = route.mobile_unit.stock_location
    item = ItemFactory(name="Metformin 500 mg tablet")
    StockLevelFactory(item=item, location=van, reorder_level=50)
    BatchFactory(item=item, location=van, quantity=7, expiry_date=today + datetime.timedelta(days=3))


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", list(Role))
def test_everyone_sees_the_six_figures(page, role, clinic_day):
    html = page(role)
    for label in ("Patients seen today", "Active routes", "Open referrals", "Upcoming appointments"):
        assert label in html
    assert '<span class="value">6</span> <span class="label">Patients seen today' in html


def test_clinicians_see_activity_charts_and_stock_alerts(page, clinic_day):
    html = page(Role.NURSE)
    assert "Visits per day, last 30 days" in html and "Today&#x27;s visits by stage" in html
    assert "Top diagnoses this month" in html and "<svg" in html
    assert "Stock alerts" in html and "Metformin 500 mg tablet" in html and "Low: 7 left" in html


def test_viewers_see_activity_charts_but_no_stock_alerts(page, clinic_day):
    html = page(Role.VIEWER)
    assert "Visits per day, last 30 days" in html and "Top diagnoses this month" in html
    assert "Stock alerts" not in html and "Metformin" not in html


def test_inventory_managers_see_stock_alerts_but_no_patient_activity(page, clinic_day):
    html = page(Role.INVENTORY_MANAGER)
    assert "Stock alerts" in html and "Metformin 500 mg tablet" in html
    assert "Visits per day" not in html and "Top diagnoses" not in html


def test_finance_sees_activity_but_no_stock_alert_list(page, clinic_day):
    html = page(Role.FINANCE)
    assert "Visits per day, last 30 days" in html
    assert "Stock alerts" not in html


def test_the_dashboard_loads_no_script_and_nothing_from_elsewhere(page, clinic_day):
    html = page(Role.ADMINISTRATOR)
    assert "<script" not in html
    assert "https://" not in html and "//cdn" not in html
    assert "css/reports.css" in html
    assert 'href="/reports/"' in html


def test_the_dashboard_query_count_does_not_grow(client, user_with_role, django_assert_max_num_queries):
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    route = RouteFactory()
    VisitFactory(visit_date=timezone.localdate(), route=route)
    with django_assert_max_num_queries(40) as captured:
        client.get("/")
    baseline = len(captured)
    for _ in range(30):
        VisitFactory(visit_date=timezone.localdate(), route=route)
    with django_assert_max_num_queries(baseline):
        client.get("/")
