"""The public booking pages: no login, work without JavaScript (plain forms and links)."""

import datetime

import pytest
from django.utils import timezone

from accounts.choices import Role
from polmed.testing_pages import assert_page_access
from scheduling.choices import AppointmentStatus, RouteStatus
from scheduling.models import Appointment, AppointmentSlot
from scheduling.tests.factories import AppointmentFactory, RouteStopFactory

pytestmark = pytest.mark.django_db

# Anyone may use these, signed in or not; what each shows is tested below.
PUBLIC_PAGES = (
    "scheduling:book",
    "scheduling:book-slot",
    "scheduling:book-confirmation",
    "scheduling:book-manage",
    "scheduling:book-cancel",
)


@pytest.fixture
def stop():
    return RouteStopFactory(max_appointments=4, location__name="Hillbrow Police Station")


def free_slot(stop):
    return stop.slots.filter(capacity__gt=0).order_by("start_time").first()


def book(client, slot, **overrides):
    data = {"first_name": "Lerato", "last_name": "Dlamini", "phone": "082 123 4567", "consent": "on", **overrides}
    return client.post(f"/book/times/{slot.pk}/", data)


def public_request(client, name, stop):
    if name == "scheduling:book-cancel":
        return client.post("/book/manage/cancel/")
    path = {
        "scheduling:book": "/book/",
        "scheduling:book-slot": f"/book/times/{free_slot(stop).pk}/",
        "scheduling:book-confirmation": "/book/confirmation/",
        "scheduling:book-manage": "/book/manage/",
    }[name]
    return client.get(path)


@pytest.mark.parametrize("name", PUBLIC_PAGES)
@pytest.mark.parametrize("role", [None, *Role], ids=lambda role: role.value if role else "anonymous")
def test_the_public_pages_open_for_anyone_signed_in_or_not(client, user_with_role, stop, name, role):
    if role:
        client.force_login(user_with_role(role))

    assert_page_access(public_request(client, name, stop), True, name)


def test_anyone_can_open_the_booking_page_without_logging_in(client):
    response = client.get("/book/")

    assert response.status_code == 200
    assert "Choose your province" in response.content.decode()
    # Plain forms and links: nothing to download or run on a phone with a poor signal.
    assert "<script" not in response.content.decode()


def test_the_free_times_of_a_province_and_day_are_listed_by_location(client, stop):
    response = client.get("/book/", {"province": stop.location.province, "date": stop.date.isoformat()})

    page = response.content.decode()
    assert "Hillbrow Police Station" in page
    assert f"/book/times/{free_slot(stop).pk}/" in page


def test_full_slots_and_blocked_days_are_not_offered(client, stop):
    full = free_slot(stop)
    AppointmentSlot.objects.filter(pk=full.pk).update(booked_count=full.capacity)
    blocked = RouteStopFactory(date=stop.date, route__province=stop.location.province, is_blocked=True)

    page = client.get("/book/", {"province": stop.location.province, "date": stop.date.isoformat()}).content.decode()

    assert f"/book/times/{full.pk}/" not in page
    assert f"/book/times/{free_slot(blocked).pk}/" not in page


def test_a_day_in_the_past_is_rejected_next_to_the_date_field(client, stop):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client.get("/book/", {"province": stop.location.province, "date": yesterday.isoformat()})

    assert response.context["form"].errors["date"] == ["Choose today or a later date."]
    assert 'id="id_date_error"' in response.content.decode()


def test_booking_shows_the_reference_on_the_confirmation_page(client, stop):
    slot = free_slot(stop)

    response = book(client, slot)

    assert response.status_code == 302 and response["Location"] == "/book/confirmation/"
    appointment = Appointment.objects.get()
    assert appointment.phone == "+27821234567" and appointment.slot == slot
    slot.refresh_from_db()
    assert slot.booked_count == 1
    confirmation = client.get("/book/confirmation/")
    assert appointment.reference in confirmation.content.decode()
    assert confirmation["Cache-Control"] == "no-store"


def test_the_confirmation_page_shows_nothing_to_another_browser(client, stop):
    book(client, free_slot(stop))
    client.cookies.clear()

    response = client.get("/book/confirmation/")

    assert response.status_code == 302 and response["Location"] == "/book/"


def test_a_bad_phone_number_is_shown_next_to_the_phone_field_and_nothing_is_booked(client, stop):
    response = book(client, free_slot(stop), phone="12")

    assert response.status_code == 200
    assert "valid phone number" in response.context["form"].errors["phone"][0]
    assert not Appointment.objects.exists()


def test_missing_names_and_consent_are_reported_per_field(client, stop):
    response = book(client, free_slot(stop), first_name="", consent="")

    errors = response.context["form"].errors
    assert set(errors) == {"first_name", "consent"}
    assert not Appointment.objects.exists()


def test_a_full_slot_says_so_and_books_nothing(client, stop):
    slot = free_slot(stop)
    AppointmentSlot.objects.filter(pk=slot.pk).update(booked_count=slot.capacity)

    response = book(client, slot)

    assert "fully booked" in response.context["form"].non_field_errors()[0]
    assert not Appointment.objects.exists()


def test_a_slot_on_an_inactive_route_cannot_be_booked(client, stop):
    stop.route.status = RouteStatus.DRAFT
    stop.route.save()

    response = book(client, free_slot(stop))

    assert response.status_code == 200
    assert "not taking bookings" in response.content.decode()
    assert not Appointment.objects.exists()


def test_an_unknown_slot_is_404(client):
    assert client.get("/book/times/999999/").status_code == 404


def test_look_up_with_reference_and_phone_then_cancel_frees_the_seat(client, stop):
    appointment = AppointmentFactory(slot=free_slot(stop), phone="+27821234567")

    found = client.post("/book/manage/", {"reference": appointment.reference.lower(), "phone": "082 123 4567"})

    assert appointment.last_name in found.content.decode()
    assert found["Cache-Control"] == "no-store"
    cancelled = client.post("/book/manage/cancel/")
    assert "cancelled" in cancelled.content.decode()
    appointment.refresh_from_db()
    appointment.slot.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.slot.booked_count == 0


@pytest.mark.parametrize("which", ["reference", "phone"])
def test_a_wrong_reference_or_phone_gets_the_same_answer(client, stop, which):
    appointment = AppointmentFactory(slot=free_slot(stop), phone="+27821234567")
    data = {"reference": appointment.reference, "phone": "082 123 4567"}
    data[which] = {"reference": "ZZZZZZZZ", "phone": "083 999 9999"}[which]

    response = client.post("/book/manage/", data)

    assert response.context["form"].non_field_errors() == [
        "We could not find a booking with that reference and phone number."
    ]
    assert appointment.last_name not in response.content.decode()


def test_cancelling_without_looking_up_first_cancels_nothing(client, stop):
    appointment = AppointmentFactory(slot=free_slot(stop))

    response = client.post("/book/manage/cancel/")

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_public_pages_are_rate_limited(client, stop, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # Only the public rate changes; the other scopes (login) keep theirs for later tests.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "public", "2/minute")

    statuses = [client.post("/book/manage/", {"reference": "X", "phone": "1"}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_the_free_times_page_runs_the_same_queries_for_one_or_many_clinic_days(client, django_assert_max_num_queries):
    first = RouteStopFactory(max_appointments=4)
    query = {"province": first.location.province, "date": first.date.isoformat()}
    with django_assert_max_num_queries(15) as one:
        client.get("/book/", query)
    for _ in range(5):
        RouteStopFactory(date=first.date, route__province=first.location.province, max_appointments=40)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/book/", query)

    assert len(response.context["stops"]) == 6
