"""Appointments per route, against hand-counted fixed data."""

import datetime
import itertools

import pytest

from accounts.choices import Role
from reports.framework import REGISTRY, ReportFilters
from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, RouteFactory, RouteStopFactory

pytestmark = pytest.mark.django_db

NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-30"}
URL = "/api/reports/appointments"


def slot_on(route, day):
    stop = RouteStopFactory(route=route, date=day, slots=False)
    return AppointmentSlotFactory(stop=stop, capacity=100)


def book(slot, status, n):
    for _ in range(n):
        AppointmentFactory(slot=slot, status=status)


@pytest.fixture
def routes():
    s = AppointmentStatus
    alpha = RouteFactory(route_name="Alpha", province="Gauteng")
    beta = RouteFactory(route_name="Beta", province="Limpopo")
    slot = slot_on(alpha, datetime.date(2026, 11, 10))
    book(slot, s.CHECKED_IN, 4)
    book(slot, s.NO_SHOW, 2)
    book(slot, s.BOOKED, 1)
    book(slot, s.CANCELLED, 1)
    book(slot_on(alpha, datetime.date(2026, 10, 31)), s.CHECKED_IN, 3)  # before the range
    book(slot_on(beta, datetime.date(2026, 11, 30)), s.CHECKED_IN, 6)
    return alpha, beta


ALPHA = {
    "route": "Alpha",
    "province": "Gauteng",
    "booked": 7,
    "attended": 4,
    "no_show": 2,
    "awaiting": 1,
    "cancelled": 1,
    "attendance_rate": 66.7,
    "no_show_rate": 33.3,
}
BETA = {
    "route": "Beta",
    "province": "Limpopo",
    "booked": 6,
    "attended": 6,
    "no_show": 0,
    "awaiting": 0,
    "cancelled": 0,
    "attendance_rate": 100.0,
    "no_show_rate": 0.0,
}


def test_it_counts_booked_attended_and_no_show_per_route(routes, client_for):
    rows = client_for(Role.DOCTOR).get(URL, NOVEMBER).json()["data"]["rows"]
    assert rows == [ALPHA, BETA]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [({"province": "Limpopo"}, [BETA]), ("alpha-route", [ALPHA]), ("alpha-van", [ALPHA])],
)
def test_it_filters_by_province_route_and_van(routes, client_for, scope, expected):
    alpha, _ = routes
    if scope == "alpha-route":
        scope = {"route": alpha.pk}
    elif scope == "alpha-van":
        scope = {"van": alpha.mobile_unit_id}
    rows = client_for(Role.DOCTOR).get(URL, {**NOVEMBER, **scope}).json()["data"]["rows"]
    assert rows == expected


def test_viewers_see_small_counts_hidden_with_the_totals_and_rates_they_would_give_away(routes, client_for):
    data = client_for(Role.VIEWER).get(URL, NOVEMBER).json()["data"]
    alpha, beta = data["rows"]
    assert alpha == {**ALPHA, **dict.fromkeys(ALPHA.keys() - {"route", "province"})}
    assert beta == BETA
    assert data["suppressed_cells"] == 7


def test_the_report_names_no_one(routes, client_for):
    body = client_for(Role.VIEWER).get(URL, NOVEMBER).content.decode()
    csv = client_for(Role.FINANCE).get(f"{URL}/csv", NOVEMBER).content.decode()
    for appointment in Appointment.objects.all():
        for text in (appointment.last_name, appointment.phone, appointment.reference):
            assert text not in body and text not in csv


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_query_count_is_constant(rows, django_assert_num_queries):
    route = RouteFactory()
    slots = [slot_on(route, datetime.date(2026, 11, day)) for day in (3, 4, 5)]
    numbers = itertools.count()
    Appointment.objects.bulk_create(
        Appointment(
            slot=slots[i % 3],
            reference=f"BULK{next(numbers):06d}",
            first_name="A",
            last_name="B",
            phone="+27820000000",
            status=AppointmentStatus.CHECKED_IN,
        )
        for i in range(rows)
    )
    with django_assert_num_queries(1):
        result = REGISTRY["appointments"].rows(ReportFilters.from_query(NOVEMBER))
    assert result[0]["attended"] == rows
