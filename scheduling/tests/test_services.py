import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from polmed.exceptions import ConflictError, RuleViolation
from scheduling import services
from scheduling.choices import AppointmentStatus, BookingChannel, RouteStatus
from scheduling.models import REFERENCE_ALPHABET, Appointment, AppointmentSlot, RouteStop
from scheduling.notifications import LocmemBackend
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, LocationFactory, RouteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SCHEDULING_NOTIFICATION_BACKEND = "scheduling.notifications.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


def book(slot, **overrides):
    fields = {"first_name": "Lindiwe", "last_name": "Zulu", "phone": "082 123 4567", **overrides}
    return services.book(slot=slot, **fields)


def test_booking_takes_a_seat_and_stores_the_phone_in_e164(django_capture_on_commit_callbacks, outbox):
    slot = AppointmentSlotFactory(capacity=2)

    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(slot, sa_id_number="8001015009087")

    slot.refresh_from_db()
    assert slot.booked_count == 1
    assert appointment.phone == "+27821234567"
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.channel == BookingChannel.PUBLIC
    assert len(appointment.reference) == 8
    assert set(appointment.reference) <= set(REFERENCE_ALPHABET)
    assert [message.kind for message in outbox] == ["confirmation"]
    assert appointment.reference in outbox[0].body


def test_references_avoid_ambiguous_characters():
    assert not set("01OI") & set(REFERENCE_ALPHABET)


def test_booking_a_full_slot_is_a_conflict():
    slot = AppointmentSlotFactory(capacity=1)
    book(slot, phone="0821111111")

    with pytest.raises(ConflictError, match="fully booked"):
        book(slot, phone="0822222222")

    assert Appointment.objects.count() == 1


def test_booking_a_past_slot_is_a_conflict():
    slot = AppointmentSlotFactory(stop__date=timezone.localdate() - datetime.timedelta(days=1))

    with pytest.raises(ConflictError, match="passed"):
        book(slot)

    assert Appointment.objects.count() == 0


def test_booking_on_a_blocked_day_is_a_conflict():
    slot = AppointmentSlotFactory(stop__is_blocked=True)

    with pytest.raises(ConflictError, match="not available"):
        book(slot)

    slot.refresh_from_db()
    assert slot.booked_count == 0


def test_booking_on_a_draft_route_is_a_conflict():
    slot = AppointmentSlotFactory(stop__route__status=RouteStatus.DRAFT)

    with pytest.raises(ConflictError, match="not taking bookings"):
        book(slot)


def test_staff_cannot_book_the_same_phone_twice_on_one_day(clerk):
    slot = AppointmentSlotFactory()
    book(slot)

    with pytest.raises(ConflictError, match="already has an appointment"):
        book(slot, phone="+27 82 123 4567", channel=BookingChannel.STAFF, booked_by=clerk)

    assert Appointment.objects.count() == 1


def test_public_booking_does_not_reveal_that_a_phone_already_booked_that_day():
    slot = AppointmentSlotFactory()
    book(slot)

    book(slot, phone="+27 82 123 4567")

    assert Appointment.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("phone", {"phone": "12345"}),
        ("first_name", {"first_name": "  "}),
        ("last_name", {"last_name": ""}),
        ("sa_id_number", {"sa_id_number": "8001015009088"}),
    ],
)
def test_bad_personal_details_are_refused_before_anything_is_saved(field, overrides):
    slot = AppointmentSlotFactory()

    with pytest.raises(RuleViolation) as error:
        book(slot, **overrides)

    assert error.value.field == field
    slot.refresh_from_db()
    assert slot.booked_count == 0
    assert Appointment.objects.count() == 0


def test_cancelling_gives_the_seat_back_and_tells_the_person(django_capture_on_commit_callbacks, outbox):
    slot = AppointmentSlotFactory(capacity=1)
    appointment = book(slot)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appointment)

    slot.refresh_from_db()
    assert slot.booked_count == 0
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    assert outbox[-1].kind == "cancellation"
    book(slot, phone="0831234567")


def test_cancelling_twice_is_a_conflict_and_frees_only_one_seat():
    slot = AppointmentSlotFactory(capacity=3)
    appointment = book(slot)
    book(slot, phone="0831234567")
    appointment.cancel()

    with pytest.raises(ConflictError, match="cancelled"):
        Appointment.objects.get(pk=appointment.pk).cancel()

    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_check_in_is_only_on_the_day():
    today = AppointmentFactory(slot__stop__date=timezone.localdate())
    tomorrow = AppointmentFactory()

    today.check_in()
    with pytest.raises(ConflictError, match="only on the day"):
        tomorrow.check_in()

    today.refresh_from_db()
    assert today.status == AppointmentStatus.CHECKED_IN
    assert today.checked_in_at is not None
    with pytest.raises(ConflictError, match="checked in"):
        today.check_in()


def test_no_show_needs_the_appointment_time_to_have_passed(clerk):
    past = AppointmentFactory(slot__stop__date=timezone.localdate() - datetime.timedelta(days=1))
    future = AppointmentFactory()

    past.mark_no_show(by=clerk)
    with pytest.raises(ConflictError, match="passed"):
        future.mark_no_show(by=clerk)

    past.refresh_from_db()
    assert past.status == AppointmentStatus.NO_SHOW
    assert past.status_changed_by == clerk
    with pytest.raises(ConflictError):
        past.cancel()


def test_adding_stops_by_weekly_pattern_covers_the_route_dates():
    route = RouteFactory(start_date=datetime.date(2030, 3, 1), end_date=datetime.date(2030, 3, 31))
    location = LocationFactory(province=route.province)

    stops = services.add_stops(route, location=location, weekdays=[1, 3])  # Tuesdays and Thursdays

    assert [stop.date.day for stop in stops] == [5, 7, 12, 14, 19, 21, 26, 28]
    assert {(stop.start_time, stop.end_time) for stop in stops} == {(route.start_time, route.end_time)}
    slots = AppointmentSlot.objects.filter(stop=stops[0])
    assert slots.count() == 36  # 08:00-17:00 in 15 minutes
    assert sum(slot.capacity for slot in slots) == 50


def test_adding_stops_twice_keeps_existing_days():
    route = RouteFactory(start_date=datetime.date(2030, 3, 1), end_date=datetime.date(2030, 3, 31))
    location = LocationFactory(province=route.province)
    services.add_stops(route, location=location, dates=[datetime.date(2030, 3, 2)], start_time=datetime.time(9))

    again = services.add_stops(route, location=location, dates=[datetime.date(2030, 3, 2), datetime.date(2030, 3, 3)])

    assert [stop.date.day for stop in again] == [3]
    assert RouteStop.objects.get(date=datetime.date(2030, 3, 2)).start_time == datetime.time(9)


def test_stops_outside_the_route_dates_are_refused():
    route = RouteFactory(start_date=datetime.date(2030, 3, 1), end_date=datetime.date(2030, 3, 31))

    with pytest.raises(RuleViolation, match="outside"):
        services.add_stops(route, location=LocationFactory(), dates=[datetime.date(2030, 4, 1)])

    assert RouteStop.objects.count() == 0


def test_capacity_is_spread_over_the_days_slots():
    from scheduling.models import spread_capacity

    assert spread_capacity(10, [0, 0, 0, 0]) == [2, 3, 2, 3]
    assert sum(spread_capacity(50, [0] * 36)) == 50
    assert spread_capacity(4, [3, 0, 0, 0]) == [3, 1, 0, 0]
    assert spread_capacity(2, [1, 1, 1, 0]) == [1, 1, 1, 0]


def test_changing_hours_regenerates_slots_and_keeps_bookings():
    route = RouteFactory()
    stop = services.add_stops(
        route, location=LocationFactory(province=route.province), dates=[timezone.localdate() + datetime.timedelta(2)]
    )[0]
    early = stop.slots.get(start_time=datetime.time(8, 0))
    kept = book(early)

    services.change_stop(stop, start_time=datetime.time(10, 0), end_time=datetime.time(12, 0), max_appointments=9)

    early.refresh_from_db()
    assert early.capacity == 1 and early.booked_count == 1  # closed to new bookings, booking kept
    grid = stop.slots.exclude(pk=early.pk)
    assert grid.count() == 8
    assert sum(slot.capacity for slot in grid) == 8
    assert Appointment.objects.get(pk=kept.pk).slot_id == early.pk


def test_capacity_cannot_drop_below_the_bookings():
    slot = AppointmentSlotFactory(capacity=5)
    book(slot, phone="0821111111")
    book(slot, phone="0822222222")

    with pytest.raises(ConflictError, match="2 appointments"):
        services.change_stop(slot.stop, max_appointments=1)

    slot.stop.refresh_from_db()
    assert slot.stop.max_appointments == 50


def test_blocking_a_day_marks_its_bookings_for_rescheduling(django_capture_on_commit_callbacks, outbox, nurse):
    slot = AppointmentSlotFactory()
    booked = book(slot)
    cancelled = book(slot, phone="0831234567")
    cancelled.cancel()

    with django_capture_on_commit_callbacks(execute=True):
        affected = services.block_day(slot.stop, reason="Van breakdown", by=nurse)

    assert [appointment.pk for appointment in affected] == [booked.pk]
    assert list(Appointment.objects.needs_rescheduling()) == [booked]
    assert Appointment.objects.get(pk=cancelled.pk).status == AppointmentStatus.CANCELLED
    assert outbox[-1].kind == "needs_rescheduling"
    slot.stop.refresh_from_db()
    assert slot.stop.is_blocked and slot.stop.blocked_by == nurse
    with pytest.raises(ConflictError):
        book(slot, phone="0841234567")


def test_unblocking_a_day_books_waiting_appointments_again():
    slot = AppointmentSlotFactory()
    appointment = book(slot)
    services.block_day(slot.stop, reason="Van breakdown")

    services.unblock_day(slot.stop)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert not RouteStop.objects.get().is_blocked


def test_rescheduling_moves_the_booking_to_another_slot():
    slot = AppointmentSlotFactory()
    other = AppointmentSlotFactory(start_time=datetime.time(10, 0), stop=slot.stop)
    appointment = book(slot)
    services.block_day(slot.stop, reason="Van breakdown")
    services.unblock_day(slot.stop)

    new = services.reschedule(Appointment.objects.get(pk=appointment.pk), slot=other)

    assert new.slot == other and new.phone == appointment.phone
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
    assert AppointmentSlot.objects.get(pk=slot.pk).booked_count == 0


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises writers; needs MariaDB row locks")
def test_concurrent_bookings_never_overbook_a_slot():
    slot = AppointmentSlotFactory(capacity=10)
    threads_count = 32
    barrier = threading.Barrier(threads_count)
    results = []

    def attempt(n):
        try:
            barrier.wait()
            book(AppointmentSlot(pk=slot.pk, stop_id=slot.stop_id), phone=f"08212{n:05d}")
            results.append("booked")
        except ConflictError:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("booked") == 10
    assert results.count("conflict") == 22
    slot.refresh_from_db()
    assert slot.booked_count == 10
    assert Appointment.objects.filter(slot=slot).count() == 10


def test_an_appointment_knows_its_clinic_day_and_van():
    appointment = AppointmentFactory()

    assert appointment.stop == appointment.slot.stop
    assert appointment.stop.mobile_unit == appointment.stop.route.mobile_unit
    assert list(Appointment.objects.on(appointment.appointment_date)) == [appointment]
