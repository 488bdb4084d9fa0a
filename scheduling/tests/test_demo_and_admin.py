import datetime

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from inventory.models import StockLocation
from polmed.choices import Province
from scheduling import demo
from scheduling.choices import LocationType, RouteStatus
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, Route, RouteStop
from scheduling.tests.factories import AppointmentFactory, LocationFactory, RouteFactory

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (Location, MobileUnit, Route, RouteStop, AppointmentSlot, Appointment)]


def test_demo_data_covers_every_place_type_in_every_province_and_is_idempotent():
    demo.seed(password="x", log=lambda message: None)
    first = counts()
    demo.seed(password="x", log=lambda message: None)

    assert counts() == first
    assert {(loc.province, loc.location_type) for loc in Location.objects.all()} == {
        (province, kind) for province in Province.values for kind in LocationType.values
    }
    assert sorted(StockLocation.objects.filter(mobile_unit__isnull=False).values_list("code", flat=True)) == [
        "VAN-01",
        "VAN-02",
        "VAN-03",
        "VAN-04",
    ]
    today = timezone.localdate()
    for route in Route.objects.filter(status=RouteStatus.ACTIVE):
        assert route.stops.filter(date=today).exists()
        assert route.stops.filter(date__gte=today + datetime.timedelta(days=55)).exists()
    assert Appointment.objects.filter(slot__stop__date=today).exists()
    assert Appointment.objects.needs_rescheduling().exists()
    assert AppointmentSlot.objects.available().exists()


def test_demo_reuses_the_vans_stock_locations_when_inventory_created_them():
    StockLocation.objects.create(code="VAN-01", name="Mobile Clinic 1")

    demo.seed(password="x", log=lambda message: None)

    assert StockLocation.objects.filter(code="VAN-01").count() == 1
    assert MobileUnit.objects.get(stock_location__code="VAN-01").name == "Mobile Clinic 1"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["location", "mobileunit", "route", "routestop", "appointmentslot", "appointment"])
def test_admin_lists_open(admin_client, model):
    AppointmentFactory()

    response = admin_client.get(f"/admin/scheduling/{model}/")

    assert response.status_code == 200


def test_admin_route_with_a_stop_inline_generates_its_slots(admin_client):
    route = RouteFactory(start_date=datetime.date(2030, 1, 1), end_date=datetime.date(2030, 1, 31))
    location = LocationFactory(province=route.province)
    prefix = "stops"
    data = {
        "route_name": route.route_name,
        "province": route.province,
        "route_type": route.route_type,
        "start_date": "2030-01-01",
        "end_date": "2030-01-31",
        "start_time": "08:00",
        "end_time": "10:00",
        "max_appointments_per_day": 16,
        "slot_minutes": 15,
        "status": RouteStatus.ACTIVE,
        "mobile_unit": route.mobile_unit_id,
        f"{prefix}-TOTAL_FORMS": 1,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-0-date": "2030-01-07",
        f"{prefix}-0-location": location.pk,
        f"{prefix}-0-start_time": "",
        f"{prefix}-0-end_time": "",
        f"{prefix}-0-max_appointments": "",
    }

    response = admin_client.post(f"/admin/scheduling/route/{route.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    stop = RouteStop.objects.get()
    assert (stop.start_time, stop.end_time, stop.max_appointments) == (datetime.time(8), datetime.time(10), 16)
    assert list(stop.slots.values_list("capacity", flat=True)) == [2] * 8


def test_admin_cancel_action_frees_the_seat(admin_client):
    appointment = AppointmentFactory()

    admin_client.post(
        "/admin/scheduling/appointment/",
        {"action": "cancel_appointments", "_selected_action": [appointment.pk]},
    )

    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert AppointmentSlot.objects.get().booked_count == 0
