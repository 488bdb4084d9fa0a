"""The staff page to block a clinic day, open it again, or change its capacity."""

import pytest
from auditlog.models import LogEntry

from accounts.choices import Role
from polmed.testing import roles
from polmed.testing_pages import PAGE_ARGS, assert_login_required, assert_page_access, page_access_cases
from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment, RouteStop
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, RouteStopFactory

pytestmark = pytest.mark.django_db

CLINIC_TEAM = roles(Role.DOCTOR, Role.NURSE, Role.CLERK)

PAGES = {
    "scheduling:manage-day": CLINIC_TEAM,
}


@pytest.fixture
def appointment():
    return AppointmentFactory(first_name="Thandi", last_name="Mokoena")


@pytest.fixture
def stop(appointment):
    return appointment.slot.stop


def manage_url(stop):
    return f"/appointments/days/{stop.pk}/manage/"


@pytest.mark.parametrize(PAGE_ARGS, page_access_cases(PAGES))
def test_the_manage_day_page_opens_only_for_the_clinic_team(client, user_with_role, stop, page_name, role, allowed):
    client.force_login(user_with_role(role))

    assert_page_access(client.get(manage_url(stop)), allowed, page_name)


@pytest.mark.parametrize("role", list(Role))
def test_only_the_clinic_team_may_block_a_day(client, user_with_role, stop, role):
    client.force_login(user_with_role(role))

    response = client.post(manage_url(stop), {"action": "block", "block-reason": "Van broke down"})

    stop.refresh_from_db()
    if role in CLINIC_TEAM:
        assert response.status_code == 302
        assert stop.is_blocked
    else:
        assert response.status_code == 403
        assert not stop.is_blocked


def test_the_manage_day_page_needs_a_login(client, stop):
    assert_login_required(client.get(manage_url(stop)))
    assert_login_required(client.post(manage_url(stop), {"action": "block", "block-reason": "Van"}))
    stop.refresh_from_db()
    assert not stop.is_blocked


def test_a_missing_day_is_404(client, clerk):
    client.force_login(clerk)

    assert client.get("/appointments/days/999999/manage/").status_code == 404


def test_the_days_bookings_link_to_the_manage_page_for_the_clinic_team(client, clerk, social_worker, stop):
    client.force_login(clerk)
    assert manage_url(stop) in client.get(f"/appointments/days/{stop.pk}/").content.decode()

    client.force_login(social_worker)
    assert manage_url(stop) not in client.get(f"/appointments/days/{stop.pk}/").content.decode()


def test_blocking_a_day_moves_its_bookings_to_needs_rescheduling_and_lists_them(client, nurse, stop, appointment):
    client.force_login(nurse)

    data = {"action": "block", "block-reason": "Van broke down", "block-notify_people": "on"}

    response = client.post(manage_url(stop), data, follow=True)

    stop.refresh_from_db()
    appointment.refresh_from_db()
    assert stop.is_blocked
    assert stop.blocked_reason == "Van broke down"
    assert stop.blocked_by == nurse
    assert appointment.status == AppointmentStatus.NEEDS_RESCHEDULING
    page = response.content.decode()
    assert "1 booking(s) need rescheduling" in page
    assert "Thandi Mokoena" in page
    assert "no-store" in response["Cache-Control"]
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(appointment.pk), actor=nurse).exists()


def test_blocking_without_a_reason_shows_the_error_next_to_the_field_and_changes_nothing(
    client, clerk, stop, appointment
):
    client.force_login(clerk)

    response = client.post(manage_url(stop), {"action": "block", "block-reason": "   "})

    assert response.status_code == 400
    assert response.context["block_form"].errors["reason"]
    stop.refresh_from_db()
    appointment.refresh_from_db()
    assert not stop.is_blocked
    assert appointment.status == AppointmentStatus.BOOKED


def test_blocking_a_day_already_blocked_says_so(client, clerk, stop):
    RouteStop.objects.filter(pk=stop.pk).update(is_blocked=True, blocked_reason="Flooded road")
    client.force_login(clerk)

    response = client.post(manage_url(stop), {"action": "block", "block-reason": "Van broke down"})

    assert response.status_code == 400
    assert "already blocked" in response.content.decode()
    stop.refresh_from_db()
    assert stop.blocked_reason == "Flooded road"


def test_unblocking_a_day_books_everyone_waiting_again(client, doctor, stop, appointment):
    client.force_login(doctor)
    client.post(manage_url(stop), {"action": "block", "block-reason": "Van broke down"})

    response = client.post(manage_url(stop), {"action": "unblock"}, follow=True)

    stop.refresh_from_db()
    appointment.refresh_from_db()
    assert not stop.is_blocked
    assert appointment.status == AppointmentStatus.BOOKED
    assert response.context["to_reschedule"] == []


def test_unblocking_an_open_day_says_it_is_not_blocked(client, clerk, stop):
    client.force_login(clerk)

    response = client.post(manage_url(stop), {"action": "unblock"})

    assert response.status_code == 400
    assert "not blocked" in response.content.decode()


def test_changing_the_capacity_regenerates_the_days_times(client, clerk):
    stop = RouteStopFactory()
    client.force_login(clerk)

    response = client.post(manage_url(stop), {"action": "capacity", "capacity-max_appointments": "7"})

    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.max_appointments == 7
    assert sum(stop.slots.values_list("capacity", flat=True)) == 7


def test_a_capacity_below_the_bookings_is_refused_next_to_the_field(client, clerk):
    stop = RouteStopFactory(slots=False, max_appointments=10)
    slot = AppointmentSlotFactory(stop=stop, capacity=10)
    AppointmentFactory.create_batch(3, slot=slot)
    client.force_login(clerk)

    response = client.post(manage_url(stop), {"action": "capacity", "capacity-max_appointments": "2"})

    assert response.status_code == 400
    assert "3 appointments are already booked" in response.context["capacity_form"].errors["max_appointments"][0]
    stop.refresh_from_db()
    assert stop.max_appointments == 10


@pytest.mark.parametrize("value", ["", "0", "-3", "many"])
def test_a_capacity_that_is_not_a_positive_number_is_refused(client, clerk, stop, value):
    client.force_login(clerk)
    before = stop.max_appointments

    response = client.post(manage_url(stop), {"action": "capacity", "capacity-max_appointments": value})

    assert response.status_code == 400
    assert response.context["capacity_form"].errors["max_appointments"]
    stop.refresh_from_db()
    assert stop.max_appointments == before


def test_an_unknown_action_is_refused(client, clerk, stop):
    client.force_login(clerk)

    assert client.post(manage_url(stop), {"action": "delete"}).status_code == 400
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_the_manage_page_runs_the_same_queries_for_one_or_many_bookings_to_reschedule(
    client, clerk, django_assert_max_num_queries
):
    stop = RouteStopFactory(slots=False)
    slot = AppointmentSlotFactory(stop=stop, capacity=60)
    AppointmentFactory(slot=slot, status=AppointmentStatus.NEEDS_RESCHEDULING)
    client.force_login(clerk)
    with django_assert_max_num_queries(15) as one:
        client.get(manage_url(stop))
    AppointmentFactory.create_batch(49, slot=slot, status=AppointmentStatus.NEEDS_RESCHEDULING)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(manage_url(stop))

    assert len(response.context["to_reschedule"]) == 50
