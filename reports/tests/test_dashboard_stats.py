"""GET /api/dashboard/stats: the spec's six figures, by definition, for all or one province, route or van."""

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.choices import Role
from clinical.choices import ReferralStatus
from clinical.models import Patient, Visit
from clinical.tests.factories import PatientFactory, ReferralFactory, VisitFactory
from inventory.tests.factories import BatchFactory, ItemFactory, StockLevelFactory
from polmed.testing import assert_error
from reports.framework import ReportFilters
from reports.stats import dashboard_stats
from scheduling.choices import AppointmentStatus, RouteStatus
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, RouteFactory, RouteStopFactory

pytestmark = pytest.mark.django_db

URL = "/api/dashboard/stats"


def days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def world():
    gauteng = RouteFactory(route_name="Gauteng", province="Gauteng")
    limpopo = RouteFactory(route_name="Limpopo", province="Limpopo")
    RouteFactory(status=RouteStatus.DRAFT)
    RouteFactory(start_date=days(-30), end_date=days(-1))  # active but over

    p1, p2, p3 = PatientFactory(), PatientFactory(), PatientFactory()
    VisitFactory(patient=p1, visit_date=days(0), route=gauteng)
    VisitFactory(patient=p1, visit_date=days(0), route=gauteng)
    VisitFactory(patient=p2, visit_date=days(0), route=limpopo)
    VisitFactory(patient=p3, visit_date=days(-1), route=gauteng)

    at_gauteng = Visit.objects.filter(route=gauteng).first()
    ReferralFactory(patient=p1, visit=at_gauteng, status=ReferralStatus.PENDING)
    ReferralFactory(patient=p2, status=ReferralStatus.SENT)
    ReferralFactory(patient=p2, status=ReferralStatus.APPOINTMENT_BOOKED)
    ReferralFactory(patient=p3, status=ReferralStatus.ATTENDED)
    ReferralFactory(patient=p3, status=ReferralStatus.NO_SHOW)

    tomorrow = AppointmentSlotFactory(stop=RouteStopFactory(route=gauteng, date=days(1), slots=False))
    AppointmentFactory(slot=tomorrow)
    AppointmentFactory(slot=tomorrow)
    AppointmentFactory(slot=tomorrow, status=AppointmentStatus.CANCELLED)
    limpopo_today = AppointmentSlotFactory(stop=RouteStopFactory(route=limpopo, date=days(0), slots=False))
    AppointmentFactory(slot=limpopo_today)
    AppointmentFactory(slot=limpopo_today, status=AppointmentStatus.CHECKED_IN)
    yesterday = AppointmentSlotFactory(stop=RouteStopFactory(route=gauteng, date=days(-1), slots=False))
    AppointmentFactory(slot=yesterday)  # never marked, but in the past: not pending

    van, other_van = gauteng.mobile_unit.stock_location, limpopo.mobile_unit.stock_location
    low, enough = ItemFactory(), ItemFactory()
    StockLevelFactory(item=low, location=van, reorder_level=10)
    BatchFactory(item=low, location=van, quantity=6)
    BatchFactory(item=low, location=van, quantity=20, expiry_date=days(-2))  # expired: does not count as stock
    StockLevelFactory(item=enough, location=van, reorder_level=10)
    BatchFactory(item=enough, location=van, quantity=11)
    StockLevelFactory(item=low, location=other_van, reorder_level=10)
    BatchFactory(item=low, location=other_van, quantity=10, expiry_date=days(10))  # at the level: low; expiring
    StockLevelFactory(item=enough, location=other_van, reorder_level=0)  # no level set: never low
    BatchFactory(item=enough, location=other_van, quantity=0, expiry_date=days(5))  # empty: no alert
    BatchFactory(item=enough, location=other_van, quantity=3, expiry_date=days(31))  # beyond 30 days
    return {"gauteng": gauteng, "limpopo": limpopo}


ALL = {
    "todayPatients": 2,
    "activeRoutes": 2,
    "pendingReferrals": 3,
    "pendingAppointments": 3,
    "lowStockAlerts": 2,
    "expiryAlerts": 2,
}


def test_the_six_figures_as_the_spec_names_them(world, client_for):
    response = client_for(Role.VIEWER).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body == {"success": True, "data": ALL}
    assert all(type(value) is int for value in body["data"].values())


def test_figures_for_one_province(world, client_for):
    data = client_for(Role.ADMINISTRATOR).get(URL, {"province": "Limpopo"}).json()["data"]
    assert data == {
        "todayPatients": 1,
        "activeRoutes": 1,
        "pendingReferrals": 0,
        "pendingAppointments": 1,
        "lowStockAlerts": 1,
        "expiryAlerts": 1,
    }


@pytest.mark.parametrize("scope", ["route", "van"])
def test_figures_for_one_route_or_van(world, client_for, scope):
    gauteng = world["gauteng"]
    value = gauteng.pk if scope == "route" else gauteng.mobile_unit_id
    data = client_for(Role.ADMINISTRATOR).get(URL, {scope: value}).json()["data"]
    assert data == {
        "todayPatients": 1,
        "activeRoutes": 1,
        "pendingReferrals": 1,
        "pendingAppointments": 2,
        "lowStockAlerts": 1,
        "expiryAlerts": 1,
    }


@pytest.mark.parametrize("role", list(Role))
def test_every_staff_role_sees_the_figures(client_for, role):
    assert client_for(role).get(URL).status_code == 200


def test_anonymous_callers_get_401(api_client):
    assert_error(api_client.get(URL), 401)


def test_a_bad_filter_is_a_400(client_for):
    assert_error(client_for(Role.VIEWER).get(URL, {"province": "Atlantis"}), 400, contains="province")
    assert_error(client_for(Role.VIEWER).get(URL, {"van": "one"}), 400, contains="van")


def test_writes_are_not_allowed(client_for):
    assert_error(client_for(Role.ADMINISTRATOR).post(URL, {}), 405)


@pytest.mark.parametrize("n", [10, 1000])
def test_six_queries_whatever_the_volume(django_assert_num_queries, n):
    route = RouteFactory()
    patients = Patient.objects.bulk_create(
        Patient(first_name="B", last_name=f"P{i}", date_of_birth=datetime.date(1990, 1, 1), gender="Male")
        for i in range(n)
    )
    patients = list(Patient.objects.all())
    Visit.objects.bulk_create(Visit(patient=p, visit_date=days(0), route=route) for p in patients)
    item = ItemFactory()
    van = route.mobile_unit.stock_location
    StockLevelFactory(item=item, location=van, reorder_level=10 * n)
    for i in range(3):
        BatchFactory(item=item, location=van, quantity=n, unit_cost=Decimal("1"), expiry_date=days(i * 20))
    with django_assert_num_queries(6):
        stats = dashboard_stats(ReportFilters.default())
    assert stats["todayPatients"] == n and stats["lowStockAlerts"] == 1 and stats["expiryAlerts"] == 2


def test_today_is_the_local_day_at_half_past_eleven_at_night(monkeypatch):
    from accounts.tests.factories import UserFactory
    from clinical import services

    clerk = UserFactory(role=Role.CLERK)
    late = datetime.datetime(2026, 11, 30, 21, 30, tzinfo=datetime.UTC)  # 23:30 in Johannesburg
    monkeypatch.setattr(timezone, "now", lambda: late)
    services.open_visit(patient=PatientFactory(), by=clerk, visit_type="walk_in")
    assert dashboard_stats(ReportFilters.default())["todayPatients"] == 1

    # An hour later it is 1 December locally (still 30 November in UTC): a new day, nobody seen yet.
    monkeypatch.setattr(timezone, "now", lambda: late + timedelta(hours=1))
    assert dashboard_stats(ReportFilters.default())["todayPatients"] == 0
