"""Staff appointment pages: a clinic day's bookings, no-shows."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from accounts.choices import Role
from polmed.testing import roles
from polmed.testing_pages import (
    PAGE_ARGS,
    assert_action_access,
    assert_login_required,
    assert_page_access,
    page_access_cases,
)
from scheduling.choices import AppointmentStatus
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, RouteStopFactory

pytestmark = pytest.mark.django_db

CLINIC_TEAM = roles(Role.DOCTOR, Role.NURSE, Role.CLERK)

PAGES = {
    "scheduling:appointment-list": roles(Role.DOCTOR, Role.NURSE, Role.CLERK, Role.SOCIAL_WORKER),
    "scheduling:stop-appointments": roles(Role.DOCTOR, Role.NURSE, Role.CLERK, Role.SOCIAL_WORKER),
}
ACTIONS = {
    "scheduling:appointment-no-show": CLINIC_TEAM,
}


@pytest.fixture
def appointment():
    return AppointmentFactory(first_name="Sipho", last_name="Nkosi")


def page_url(name, appointment):
    return {
        "scheduling:appointment-list": "/appointments/",
        "scheduling:stop-appointments": f"/appointments/days/{appointment.slot.stop_id}/",
    }[name]


@pytest.mark.parametrize(PAGE_ARGS, page_access_cases(PAGES))
def test_appointment_pages_open_only_for_roles_that_handle_bookings(
    client, user_with_role, appointment, page_name, role, allowed
):
    client.force_login(user_with_role(role))

    assert_page_access(client.get(page_url(page_name, appointment)), allowed, page_name)


@pytest.mark.parametrize(PAGE_ARGS, page_access_cases(ACTIONS))
def test_appointment_actions_accept_posts_only_from_the_clinic_team(
    client, user_with_role, appointment, page_name, role, allowed
):
    client.force_login(user_with_role(role))

    response = client.post(f"/appointments/{appointment.pk}/no-show/")

    assert_action_access(response, allowed, page_name)


@pytest.mark.parametrize("name", PAGES)
def test_appointment_pages_need_a_login(client, appointment, name):
    assert_login_required(client.get(page_url(name, appointment)))


def test_the_day_list_shows_each_stop_with_its_bookings(client, clerk, appointment):
    client.force_login(clerk)

    response = client.get("/appointments/", {"date": appointment.slot.stop.date.isoformat()})

    page = response.content.decode()
    assert appointment.slot.stop.location.name in page
    assert f"/appointments/days/{appointment.slot.stop_id}/" in page


def test_a_stops_bookings_are_listed_no_store_and_their_reads_audited(client, clerk, appointment):
    client.force_login(clerk)

    response = client.get(f"/appointments/days/{appointment.slot.stop_id}/")

    assert "Sipho Nkosi" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(appointment.pk), actor=clerk).exists()


def test_the_stop_page_runs_the_same_queries_for_one_or_many_bookings(client, clerk, django_assert_max_num_queries):
    stop = RouteStopFactory(slots=False)
    slot = AppointmentSlotFactory(stop=stop, capacity=60)
    AppointmentFactory(slot=slot)
    client.force_login(clerk)
    with django_assert_max_num_queries(12) as one:
        client.get(f"/appointments/days/{stop.pk}/")
    AppointmentFactory.create_batch(49, slot=slot)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"/appointments/days/{stop.pk}/")

    assert len(response.context["appointments"]) == 50


def test_a_social_worker_sees_bookings_but_no_actions(client, social_worker, appointment):
    client.force_login(social_worker)

    page = client.get(f"/appointments/days/{appointment.slot.stop_id}/").content.decode()

    assert f"/appointments/{appointment.pk}/no-show/" not in page


def test_a_no_show_is_recorded_once_the_time_has_passed(client, clerk):
    stop = RouteStopFactory(date=timezone.localdate() - datetime.timedelta(days=1), slots=False)
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(stop=stop))
    client.force_login(clerk)

    response = client.post(f"/appointments/{appointment.pk}/no-show/", follow=True)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    assert "marked as no-show" in response.content.decode()


def test_a_no_show_before_the_time_is_refused_with_the_reason(client, clerk, appointment):
    client.force_login(clerk)

    response = client.post(f"/appointments/{appointment.pk}/no-show/", follow=True)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert "only once the appointment time has passed" in response.content.decode()


def test_a_social_worker_cannot_mark_a_no_show(client, social_worker, appointment):
    client.force_login(social_worker)

    assert client.post(f"/appointments/{appointment.pk}/no-show/").status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_booking_on_the_day_offers_check_in_through_the_check_in_page(client, clerk):
    stop = RouteStopFactory(date=timezone.localdate(), slots=False)
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(stop=stop))
    client.force_login(clerk)

    page = client.get(f"/appointments/days/{stop.pk}/").content.decode()

    assert f'href="/appointments/{appointment.pk}/check-in/"' in page
