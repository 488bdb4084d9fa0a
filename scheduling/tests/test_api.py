import datetime
import json
import threading

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.choices import Role
from polmed.testing import MATRIX_ARGS, Access, assert_access, assert_error, matrix_cases, roles
from scheduling.choices import AppointmentStatus, BookingChannel, LocationType, RouteStatus
from scheduling.models import Appointment, AppointmentSlot, Location, Route, RouteStop
from scheduling.tests.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    LocationFactory,
    MobileUnitFactory,
    RouteFactory,
    RouteStopFactory,
)

pytestmark = pytest.mark.django_db

SPEC_ROUTE = {
    "route_name": "Cape Town Route 1",
    "description": "Weekly clinic visits in Cape Town townships",
    "province": "Western Cape",
    "route_type": "Police Stations",
    "start_date": "2025-11-01",
    "end_date": "2025-12-31",
    "start_time": "08:00",
    "end_time": "17:00",
    "max_appointments_per_day": 50,
}
CLINIC_TEAM = roles(Role.CLERK, Role.NURSE, Role.DOCTOR)
READERS = CLINIC_TEAM | {Role.SOCIAL_WORKER}


@pytest.fixture(autouse=True)
def quiet_notifications(settings):
    settings.SCHEDULING_NOTIFICATION_BACKEND = "scheduling.notifications.LocmemBackend"


def booking_payload(slot, **overrides):
    return {"slot_id": slot.pk, "first_name": "Lindiwe", "last_name": "Zulu", "phone": "082 123 4567", **overrides}


MATRIX = [
    Access("GET", "/api/routes", READERS | {Role.INVENTORY_MANAGER}),
    Access("POST", "/api/routes", roles(), SPEC_ROUTE),
    Access("GET", "/api/routes/{route}", READERS | {Role.INVENTORY_MANAGER}),
    Access("PATCH", "/api/routes/{route}", roles(), {"description": "New"}),
    Access("POST", "/api/routes/{route}/stops", roles(), {"location": 0, "dates": []}),
    Access("GET", "/api/locations", READERS | {Role.INVENTORY_MANAGER}),
    Access("POST", "/api/locations", roles(), {"name": "X", "location_type": "school", "province": "Gauteng"}),
    Access("GET", "/api/mobile-units", CLINIC_TEAM | {Role.INVENTORY_MANAGER}),
    Access("GET", "/api/stops", READERS | {Role.INVENTORY_MANAGER}),
    Access("PATCH", "/api/stops/{stop}", CLINIC_TEAM, {"max_appointments": 60}),
    Access("POST", "/api/stops/{stop}/block", CLINIC_TEAM, {"reason": "Van breakdown"}),
    Access("POST", "/api/stops/{stop}/unblock", CLINIC_TEAM),
    Access("GET", "/api/stops/{stop}/appointments", READERS),
    Access("GET", "/api/slots", READERS),
    Access("GET", "/api/appointments", READERS),
    Access("GET", "/api/appointments/{appointment}", READERS),
    Access("POST", "/api/appointments", CLINIC_TEAM, {"slot_id": 0, "first_name": "A", "last_name": "B"}),
    Access("POST", "/api/appointments/{appointment}/cancel", CLINIC_TEAM),
    Access("POST", "/api/appointments/{appointment}/no-show", CLINIC_TEAM),
    Access("POST", "/api/appointments/{appointment}/reschedule", CLINIC_TEAM, {"slot_id": 0}),
    Access("DELETE", "/api/routes/{route}", roles()),
    Access("DELETE", "/api/stops/{stop}", roles()),
    Access("GET", "/api/stops/{stop}", READERS | {Role.INVENTORY_MANAGER}),
    Access("GET", "/api/slots/{slot}", READERS),
    Access("GET", "/api/locations/{location}", READERS | {Role.INVENTORY_MANAGER}),
    Access("PATCH", "/api/locations/{location}", roles(), {"contact_person": "Sgt Dube"}),
    Access("DELETE", "/api/locations/{location}", roles()),
    Access("GET", "/api/mobile-units/{unit}", CLINIC_TEAM | {Role.INVENTORY_MANAGER}),
    Access("POST", "/api/mobile-units", roles(), {"name": "Van X", "registration_number": "X 1 GP"}),
    Access("PATCH", "/api/mobile-units/{unit}", roles(), {"is_active": False}),
    Access("DELETE", "/api/mobile-units/{unit}", roles()),
    # Public endpoints: anyone, whatever their role.
    Access("GET", "/api/appointments/available", frozenset(Role)),
    Access("POST", "/api/appointments/book", frozenset(Role), {"slot_id": 0}),
    Access("GET", "/api/appointments/lookup?reference=X&phone=0821234567", frozenset(Role)),
    Access("POST", "/api/appointments/lookup", frozenset(Role), {"reference": "X", "phone": "0821234567"}),
    Access("POST", "/api/appointments/cancel", frozenset(Role), {"reference": "X", "phone": "0821234567"}),
]


@pytest.mark.parametrize(MATRIX_ARGS, matrix_cases(MATRIX))
def test_role_matrix(client_for, access, role, allowed):
    appointment = AppointmentFactory()
    stop = appointment.slot.stop
    path = access.path.format(
        route=stop.route_id,
        stop=stop.pk,
        slot=appointment.slot_id,
        appointment=appointment.pk,
        location=stop.location_id,
        unit=stop.route.mobile_unit_id,
    )

    response = client_for(role).generic(
        access.method, path, data=json.dumps(access.payload) if access.payload else "", content_type="application/json"
    )

    assert_access(response, allowed)


@pytest.mark.parametrize("path", ["/api/routes", "/api/appointments", "/api/stops"])
def test_anonymous_staff_endpoints_answer_401(api_client, path):
    assert_error(api_client.get(path), 401)


# Routes


def test_spec_route_request_creates_a_route(client_for):
    response = client_for(Role.ADMINISTRATOR).post("/api/routes", SPEC_ROUTE, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Route created successfully"
    assert body["data"]["start_time"] == "08:00"
    route = Route.objects.get()
    assert route.route_name == "Cape Town Route 1"
    assert route.province == "Western Cape"
    assert route.max_appointments_per_day == 50
    assert route.status == RouteStatus.DRAFT
    assert route.created_by is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2025-10-01"}, "end_date"),
        ({"end_time": "07:00"}, "end_time"),
        ({"province": "Atlantis"}, "province"),
        ({"start_time": "8 o'clock"}, "start_time"),
        ({"max_appointments_per_day": 0}, "max_appointments_per_day"),
        ({"route_name": ""}, "route_name"),
    ],
)
def test_bad_route_is_refused_and_nothing_saved(client_for, change, field):
    response = client_for(Role.ADMINISTRATOR).post("/api/routes", {**SPEC_ROUTE, **change}, format="json")

    body = assert_error(response, 400)
    assert field in body["details"]
    assert Route.objects.count() == 0


def test_missing_route_is_404(client_for):
    assert_error(client_for(Role.CLERK).get("/api/routes/999999"), 404)


def test_route_with_bookings_cannot_be_deleted(client_for):
    appointment = AppointmentFactory()

    assert_error(client_for(Role.ADMINISTRATOR).delete(f"/api/routes/{appointment.slot.stop.route_id}"), 409)

    assert Route.objects.count() == 1


def test_route_list_filters_by_province_and_status(client_for):
    RouteFactory(province="Gauteng", status=RouteStatus.ACTIVE)
    RouteFactory(province="Limpopo", status=RouteStatus.ACTIVE)
    RouteFactory(province="Gauteng", status=RouteStatus.DRAFT)

    response = client_for(Role.CLERK).get("/api/routes", {"province": "Gauteng", "status": "active"})

    assert [item["province"] for item in response.json()["data"]] == ["Gauteng"]


@pytest.mark.parametrize("rows", [1, 50])
def test_route_list_runs_constant_queries(client_for, django_assert_max_num_queries, rows):
    RouteFactory.create_batch(rows)
    client = client_for(Role.CLERK)

    with django_assert_max_num_queries(6):
        response = client.get("/api/routes", {"per_page": 100})

    assert len(response.json()["data"]) == rows


def test_adding_stops_by_weekly_pattern(client_for):
    route = RouteFactory(start_date=datetime.date(2030, 3, 1), end_date=datetime.date(2030, 3, 31))
    location = LocationFactory(province=route.province)

    response = client_for(Role.ADMINISTRATOR).post(
        f"/api/routes/{route.pk}/stops", {"location": location.pk, "weekdays": [0]}, format="json"
    )

    assert response.status_code == 201, response.content
    assert [stop["date"] for stop in response.json()["data"]] == [
        "2030-03-04",
        "2030-03-11",
        "2030-03-18",
        "2030-03-25",
    ]
    assert response.json()["data"][0]["start_time"] == "08:00"
    assert AppointmentSlot.objects.filter(stop__route=route).count() == 4 * 36


@pytest.mark.parametrize(
    "payload",
    [
        {"dates": ["2030-04-02"]},
        {"dates": ["2030-03-02"], "weekdays": [1]},
        {},
        {"weekdays": [7]},
        {"dates": ["2030-03-02"], "start_time": "12:00", "end_time": "09:00"},
    ],
)
def test_bad_stops_are_refused_and_nothing_saved(client_for, payload):
    route = RouteFactory(start_date=datetime.date(2030, 3, 1), end_date=datetime.date(2030, 3, 31))
    location = LocationFactory(province=route.province)

    response = client_for(Role.ADMINISTRATOR).post(
        f"/api/routes/{route.pk}/stops", {"location": location.pk, **payload}, format="json"
    )

    assert_error(response, 400)
    assert RouteStop.objects.count() == 0


# Stops and availability management


def test_blocking_a_day_lists_bookings_that_need_rescheduling(client_for):
    appointment = AppointmentFactory()
    stop = appointment.slot.stop
    client = client_for(Role.ADMINISTRATOR)

    response = client.post(f"/api/stops/{stop.pk}/block", {"reason": "Van breakdown"}, format="json")

    assert response.status_code == 200, response.content
    assert [item["reference"] for item in response.json()["data"]] == [appointment.reference]
    listed = client.get("/api/appointments", {"status": "needs_rescheduling"}).json()["data"]
    assert [item["id"] for item in listed] == [appointment.pk]
    assert_error(client.post(f"/api/stops/{stop.pk}/block", {"reason": "Again"}, format="json"), 409)


def test_blocking_needs_a_reason(client_for):
    stop = RouteStopFactory(slots=False)

    assert_error(client_for(Role.ADMINISTRATOR).post(f"/api/stops/{stop.pk}/block", {}, format="json"), 400)

    stop.refresh_from_db()
    assert not stop.is_blocked


def test_changing_capacity_respreads_the_slots(client_for):
    stop = RouteStopFactory(start_time=datetime.time(9), end_time=datetime.time(10))

    response = client_for(Role.ADMINISTRATOR).patch(f"/api/stops/{stop.pk}", {"max_appointments": 8}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["max_appointments"] == 8
    assert list(stop.slots.values_list("capacity", flat=True)) == [2, 2, 2, 2]


def test_capacity_below_bookings_is_a_conflict(client_for):
    appointment = AppointmentFactory()

    response = client_for(Role.ADMINISTRATOR).patch(
        f"/api/stops/{appointment.slot.stop_id}", {"max_appointments": 0}, format="json"
    )

    assert_error(response, 409, contains="already booked")


def test_missing_stop_is_404(client_for):
    assert_error(client_for(Role.ADMINISTRATOR).post("/api/stops/999999/block", {"reason": "x"}, format="json"), 404)


@pytest.mark.parametrize("rows", [1, 50])
def test_stop_day_list_runs_constant_queries_and_logs_reads(client_for, django_assert_max_num_queries, rows):
    slot = AppointmentSlotFactory(capacity=60)
    AppointmentFactory.create_batch(rows, slot=slot)
    client = client_for(Role.NURSE)

    with django_assert_max_num_queries(9):
        response = client.get(f"/api/stops/{slot.stop_id}/appointments", {"per_page": 100})

    assert len(response.json()["data"]) == rows
    assert response["Cache-Control"] == "no-store"
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_stop_list_runs_constant_queries(client_for, django_assert_max_num_queries, rows):
    route = RouteFactory()
    location = LocationFactory(province=route.province)
    for n in range(rows):
        RouteStopFactory(route=route, location=location, date=datetime.date(2030, 1, 1) + datetime.timedelta(n))
    client = client_for(Role.CLERK)

    with django_assert_max_num_queries(6):
        response = client.get("/api/stops", {"route": route.pk, "per_page": 100})

    assert len(response.json()["data"]) == rows
    assert response.json()["data"][0]["booked"] == 0


# Staff appointments


def test_staff_book_by_name_and_phone(client_for):
    slot = AppointmentSlotFactory()

    response = client_for(Role.CLERK).post("/api/appointments", booking_payload(slot), format="json")

    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert appointment.channel == BookingChannel.STAFF
    assert appointment.booked_by is not None
    assert response.json()["data"]["phone"] == "+27821234567"
    assert response["Cache-Control"] == "no-store"


def test_staff_booking_with_a_bad_phone_is_400_and_saves_nothing(client_for):
    slot = AppointmentSlotFactory()

    response = client_for(Role.CLERK).post("/api/appointments", booking_payload(slot, phone="123"), format="json")

    body = assert_error(response, 400, contains="phone")
    assert "phone" in body["details"]
    assert Appointment.objects.count() == 0
    assert AppointmentSlot.objects.get().booked_count == 0


@pytest.mark.parametrize(
    ("path", "factory"),
    [
        ("/api/locations", lambda n: LocationFactory.create_batch(n)),
        ("/api/mobile-units", lambda n: MobileUnitFactory.create_batch(n)),
        (
            "/api/slots",
            lambda n: [AppointmentSlotFactory(stop=RouteStopFactory(slots=False)) for _ in range(n)],
        ),
    ],
)
@pytest.mark.parametrize("rows", [1, 50])
def test_other_lists_run_constant_queries(client_for, django_assert_max_num_queries, path, factory, rows):
    factory(rows)
    client = client_for(Role.ADMINISTRATOR)

    with django_assert_max_num_queries(6):
        response = client.get(path, {"per_page": 100})

    assert len(response.json()["data"]) == rows


def test_staff_booking_an_unknown_slot_is_404(client_for):
    response = client_for(Role.CLERK).post(
        "/api/appointments", {**booking_payload(AppointmentSlotFactory()), "slot_id": 999999}, format="json"
    )

    assert_error(response, 404)
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("rows", [1, 50])
def test_appointment_list_runs_constant_queries(client_for, django_assert_max_num_queries, rows):
    AppointmentFactory.create_batch(rows, slot=AppointmentSlotFactory(capacity=60))
    client = client_for(Role.CLERK)

    with django_assert_max_num_queries(8):
        response = client.get("/api/appointments", {"per_page": 100})

    assert len(response.json()["data"]) == rows


def test_appointment_search_finds_by_last_name(client_for):
    wanted = AppointmentFactory(last_name="Mahlangu")
    AppointmentFactory(last_name="Botha")

    response = client_for(Role.NURSE).get("/api/appointments", {"search": "mahlangu"})

    assert [item["id"] for item in response.json()["data"]] == [wanted.pk]


def test_marking_a_no_show(client_for):
    appointment = AppointmentFactory(slot__stop__date=timezone.localdate() - datetime.timedelta(days=1))
    client = client_for(Role.NURSE)

    response = client.post(f"/api/appointments/{appointment.pk}/no-show")

    assert response.status_code == 200, response.content
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    assert_error(client.post(f"/api/appointments/{appointment.pk}/no-show"), 409)


def test_no_show_before_the_time_is_a_conflict(client_for):
    appointment = AppointmentFactory()

    assert_error(client_for(Role.NURSE).post(f"/api/appointments/{appointment.pk}/no-show"), 409)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_staff_cancel_frees_the_seat(client_for):
    appointment = AppointmentFactory()

    response = client_for(Role.CLERK).post(f"/api/appointments/{appointment.pk}/cancel")

    assert response.status_code == 200
    assert AppointmentSlot.objects.get().booked_count == 0


def test_reschedule_moves_a_booking(client_for):
    appointment = AppointmentFactory()
    other = AppointmentSlotFactory(stop=appointment.slot.stop, start_time=datetime.time(11))

    response = client_for(Role.CLERK).post(
        f"/api/appointments/{appointment.pk}/reschedule", {"slot_id": other.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Appointment.objects.get(pk=response.json()["data"]["id"]).slot == other
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_missing_appointment_is_404(client_for):
    assert_error(client_for(Role.CLERK).post("/api/appointments/999999/cancel"), 404)


def test_reading_an_appointment_is_audited(client_for):
    appointment = AppointmentFactory()

    client_for(Role.SOCIAL_WORKER).get(f"/api/appointments/{appointment.pk}")

    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(appointment.pk)).exists()


# Public availability


def test_available_lists_spec_fields_and_no_personal_data(api_client):
    appointment = AppointmentFactory(slot__stop__location__location_type=LocationType.POLICE_STATION)

    response = api_client.get("/api/appointments/available", {"province": "Gauteng"})

    assert response.status_code == 200, response.content
    [item] = response.json()["data"]
    assert {"id", "appointment_date", "appointment_time", "route_name", "location_name", "location_type"} <= set(item)
    assert item["appointment_time"] == "09:00"
    assert item["location_type"] == "police_station"
    assert item["spaces_left"] == 9
    text = response.content.decode()
    assert appointment.last_name not in text and appointment.phone not in text and appointment.reference not in text


def test_available_hides_full_past_blocked_and_inactive_slots(api_client):
    visible = AppointmentSlotFactory()
    AppointmentSlotFactory(capacity=0)
    AppointmentSlotFactory(stop__date=timezone.localdate() - datetime.timedelta(days=1))
    AppointmentSlotFactory(stop__is_blocked=True)
    AppointmentSlotFactory(stop__route__status=RouteStatus.DRAFT)

    response = api_client.get("/api/appointments/available")

    assert [item["id"] for item in response.json()["data"]] == [visible.pk]


def test_available_filters_by_province_dates_location_type_and_route(api_client):
    in_three_days = timezone.localdate() + datetime.timedelta(days=3)
    wanted = AppointmentSlotFactory(
        stop__date=in_three_days,
        stop__route__province="Limpopo",
        stop__location__location_type=LocationType.SCHOOL,
    )
    AppointmentSlotFactory(stop__route__province="Limpopo", stop__location__location_type=LocationType.SCHOOL)
    AppointmentSlotFactory(stop__date=in_three_days)

    response = api_client.get(
        "/api/appointments/available",
        {
            "province": "Limpopo",
            "date_from": in_three_days.isoformat(),
            "date_to": in_three_days.isoformat(),
            "location_type": "school",
            "route": wanted.stop.route_id,
        },
    )

    assert [item["id"] for item in response.json()["data"]] == [wanted.pk]


@pytest.mark.parametrize(
    "query", [{"date_from": "tomorrow"}, {"province": "Atlantis"}, {"date_from": "2030-02-01", "date_to": "2030-01-01"}]
)
def test_available_refuses_bad_filters(api_client, query):
    assert_error(api_client.get("/api/appointments/available", query), 400)


@pytest.mark.parametrize("rows", [1, 50])
def test_available_runs_constant_queries(api_client, django_assert_max_num_queries, rows):
    stop = RouteStopFactory(slots=False)
    for n in range(rows):
        AppointmentSlotFactory(stop=stop, start_time=datetime.time(8 + n // 6, (n % 6) * 10))

    with django_assert_max_num_queries(2):
        response = api_client.get("/api/appointments/available", {"per_page": 100})

    assert len(response.json()["data"]) == rows


def test_public_endpoints_are_throttled(api_client, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "public", "2/minute")

    statuses = [api_client.get("/api/appointments/available").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# Public booking, lookup, cancel


def test_public_booking_returns_a_reference(api_client):
    slot = AppointmentSlotFactory()

    response = api_client.post("/api/appointments/book", booking_payload(slot, sa_id_number=""), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"] == "Appointment booked successfully"
    appointment = Appointment.objects.get()
    assert body["data"]["reference"] == appointment.reference
    assert body["data"]["appointment_time"] == "09:00"
    assert appointment.phone == "+27821234567"
    assert appointment.channel == BookingChannel.PUBLIC
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "change",
    [
        {"phone": "not a phone"},
        {"first_name": ""},
        {"sa_id_number": "1234567890123"},
        {"slot_id": None},
        {"email": "not-an-email"},
    ],
)
def test_public_booking_refuses_bad_input_and_saves_nothing(api_client, change):
    slot = AppointmentSlotFactory()
    payload = {key: value for key, value in {**booking_payload(slot), **change}.items() if value is not None}

    assert_error(api_client.post("/api/appointments/book", payload, format="json"), 400)

    assert Appointment.objects.count() == 0
    assert AppointmentSlot.objects.get().booked_count == 0


def test_public_booking_of_an_unknown_slot_is_404(api_client):
    assert_error(
        api_client.post(
            "/api/appointments/book", {**booking_payload(AppointmentSlotFactory()), "slot_id": 999999}, format="json"
        ),
        404,
    )


@pytest.mark.parametrize(
    "slot_args",
    [
        {"capacity": 0},
        {"stop__date": datetime.date(2020, 1, 1)},
        {"stop__is_blocked": True},
    ],
    ids=["full", "past", "blocked"],
)
def test_public_booking_conflicts(api_client, slot_args):
    slot = AppointmentSlotFactory(**slot_args)

    assert_error(api_client.post("/api/appointments/book", booking_payload(slot), format="json"), 409)

    assert Appointment.objects.count() == 0


def test_lookup_needs_both_reference_and_phone(api_client):
    appointment = AppointmentFactory(phone="+27821234567")

    found = api_client.get(
        "/api/appointments/lookup", {"reference": appointment.reference.lower(), "phone": "082 123 4567"}
    )
    wrong_phone = api_client.get(
        "/api/appointments/lookup", {"reference": appointment.reference, "phone": "0831234567"}
    )
    wrong_reference = api_client.get("/api/appointments/lookup", {"reference": "ZZZZZZZZ", "phone": "0821234567"})
    bad_phone = api_client.get("/api/appointments/lookup", {"reference": appointment.reference, "phone": "x"})

    assert found.status_code == 200, found.content
    assert found.json()["data"]["reference"] == appointment.reference
    assert "phone" not in found.json()["data"]
    assert found["Cache-Control"] == "no-store"
    errors = {assert_error(response, 404)["error"] for response in (wrong_phone, wrong_reference, bad_phone)}
    assert len(errors) == 1


def test_lookup_without_parameters_is_400(api_client):
    assert_error(api_client.get("/api/appointments/lookup"), 400)


def test_public_cancel_frees_the_seat_and_then_conflicts(api_client):
    appointment = AppointmentFactory(phone="+27821234567")
    payload = {"reference": appointment.reference, "phone": "082 123 4567"}

    response = api_client.post("/api/appointments/cancel", payload, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == "cancelled"
    assert AppointmentSlot.objects.get().booked_count == 0
    assert_error(api_client.post("/api/appointments/cancel", payload, format="json"), 409)


def test_public_cancel_with_a_wrong_pair_is_404(api_client):
    appointment = AppointmentFactory(phone="+27821234567")

    response = api_client.post(
        "/api/appointments/cancel", {"reference": appointment.reference, "phone": "0839999999"}, format="json"
    )

    assert_error(response, 404, contains="not found")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_public_endpoints_ignore_staff_credentials(client_for):
    # A public call never becomes a staff one: no session or token is read.
    response = client_for(Role.ADMINISTRATOR).get("/api/appointments/available")

    assert response.status_code == 200


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises writers; needs MariaDB row locks")
def test_32_concurrent_public_bookings_fill_a_slot_of_10_exactly():
    slot = AppointmentSlotFactory(capacity=10)
    count = 32
    barrier = threading.Barrier(count)
    statuses = []

    def attempt(n):
        try:
            client = APIClient(REMOTE_ADDR=f"10.0.0.{n}")
            barrier.wait()
            response = client.post(
                "/api/appointments/book", booking_payload(slot, phone=f"08212{n:05d}"), format="json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] * 10 + [409] * 22
    assert AppointmentSlot.objects.get(pk=slot.pk).booked_count == 10
    assert Appointment.objects.filter(slot=slot).count() == 10
    assert len(set(Appointment.objects.values_list("reference", flat=True))) == 10


def test_location_create(client_for):
    response = client_for(Role.ADMINISTRATOR).post(
        "/api/locations",
        {"name": "Soweto Police Station", "location_type": "police_station", "province": "Gauteng"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Location.objects.get().name == "Soweto Police Station"


def test_mobile_unit_list_shows_its_stock_location(client_for):
    unit = MobileUnitFactory()

    response = client_for(Role.INVENTORY_MANAGER).get("/api/mobile-units")

    assert response.json()["data"][0]["stock_location_code"] == unit.stock_location.code


def test_available_for_a_past_range_finds_nothing(api_client):
    AppointmentSlotFactory()

    response = api_client.get(
        "/api/appointments/available",
        {"province": "Western Cape", "date_from": "2025-11-10", "date_to": "2025-12-31"},
    )

    assert response.status_code == 200
    assert response.json()["data"] == []


def test_lookup_also_accepts_the_pair_in_the_body(api_client):
    appointment = AppointmentFactory(phone="+27821234567")

    response = api_client.post(
        "/api/appointments/lookup", {"reference": appointment.reference, "phone": "0821234567"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["data"]["reference"] == appointment.reference


def test_cancelling_a_route_lists_its_future_bookings_for_rescheduling(client_for):
    appointment = AppointmentFactory()
    route = appointment.slot.stop.route

    response = client_for(Role.ADMINISTRATOR).patch(f"/api/routes/{route.pk}", {"status": "cancelled"}, format="json")

    assert response.status_code == 200, response.content
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NEEDS_RESCHEDULING
    assert RouteStop.objects.get().is_blocked


def test_a_stop_with_bookings_cannot_be_deleted(client_for):
    appointment = AppointmentFactory()

    assert_error(client_for(Role.ADMINISTRATOR).delete(f"/api/stops/{appointment.slot.stop_id}"), 409)

    assert RouteStop.objects.count() == 1


def test_an_empty_stop_can_be_deleted(client_for):
    stop = RouteStopFactory()

    response = client_for(Role.ADMINISTRATOR).delete(f"/api/stops/{stop.pk}")

    assert response.status_code == 204
    assert not RouteStop.objects.exists()
    assert not AppointmentSlot.objects.exists()


@pytest.mark.parametrize("typed", ["082 123 4567", "0821234567", "+27 82 123 4567", "27821234567"])
def test_staff_find_a_booking_by_the_phone_number_as_people_type_it(client_for, typed):
    wanted = AppointmentFactory(phone="+27821234567", last_name="Nkosi")
    AppointmentFactory(phone="+27831234567", last_name="Zulu")
    found = client_for(Role.CLERK).get("/api/appointments", {"search": typed}).json()["data"]
    assert [row["id"] for row in found] == [wanted.pk]


def test_staff_search_by_name_still_matches_parts_of_names(client_for):
    wanted = AppointmentFactory(last_name="Nkosi")
    AppointmentFactory(last_name="Zulu")
    found = client_for(Role.CLERK).get("/api/appointments", {"search": "kos"}).json()["data"]
    assert [row["id"] for row in found] == [wanted.pk]
