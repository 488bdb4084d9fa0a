import datetime

import pytest
from django.utils import timezone

from clinical.models import Patient, PatientAppointment, Visit
from clinical.tests.factories import PatientFactory
from conftest import bearer_client
from polmed.testing import assert_error
from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment, AppointmentSlot
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, RouteStopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def todays_booking():
    stop = RouteStopFactory(date=timezone.localdate(), slots=False)
    slot = AppointmentSlotFactory(stop=stop, start_time=datetime.time(9, 30), end_time=datetime.time(9, 45))
    return AppointmentFactory(slot=slot)


def _check_in(user, appointment, body=None):
    return bearer_client(user).post(f"/api/appointments/{appointment.pk}/check-in", body or {}, format="json")


def test_check_in_finds_the_patient_by_sa_id_and_opens_a_visit_at_the_stop(clerk, todays_booking):
    patient = PatientFactory()
    Appointment.objects.filter(pk=todays_booking.pk).update(sa_id_number=patient.id_number)
    todays_booking.refresh_from_db()

    response = _check_in(clerk, todays_booking)

    assert response.status_code == 201, response.content
    visit = Visit.objects.get()
    stop = todays_booking.slot.stop
    assert response.json()["data"]["visit_id"] == visit.pk
    assert (visit.patient, visit.route, visit.location, visit.stage, visit.visit_type) == (
        patient,
        stop.route,
        stop.location,
        "registration",
        "scheduled",
    )
    assert visit.visit_time == datetime.time(9, 30)
    todays_booking.refresh_from_db()
    assert todays_booking.status == AppointmentStatus.CHECKED_IN
    link = PatientAppointment.objects.get()
    assert (link.patient, link.visit, link.appointment) == (patient, visit, todays_booking)


def test_check_in_finds_the_patient_by_medical_aid_number(nurse, todays_booking):
    patient = PatientFactory(medical_aid_number="PAL555")
    Appointment.objects.filter(pk=todays_booking.pk).update(medical_aid_number="pal555")
    todays_booking.refresh_from_db()

    assert _check_in(nurse, todays_booking).status_code == 201
    assert Visit.objects.get().patient == patient


def test_check_in_takes_a_patient_id(clerk, todays_booking):
    patient = PatientFactory()

    assert _check_in(clerk, todays_booking, {"patient_id": patient.pk}).status_code == 201
    assert Visit.objects.get().patient == patient


def test_check_in_registers_a_new_patient_from_the_booking(clerk, todays_booking):
    response = _check_in(
        clerk,
        todays_booking,
        {"registration": {"date_of_birth": "1980-01-01", "gender": "Female", "allergies": ["Sulfa"]}},
    )

    assert response.status_code == 201, response.content
    patient = Patient.objects.get()
    assert (patient.first_name, patient.last_name, str(patient.phone_number)) == (
        todays_booking.first_name,
        todays_booking.last_name,
        todays_booking.phone,
    )
    assert patient.allergies.get().atc_class == "J01E"


def test_check_in_with_no_matching_patient_and_no_details_is_400(clerk, todays_booking):
    assert_error(_check_in(clerk, todays_booking), 400, contains="patient_id")
    assert Visit.objects.count() == 0
    todays_booking.refresh_from_db()
    assert todays_booking.status == AppointmentStatus.BOOKED


def test_a_bad_registration_at_check_in_saves_nothing(clerk, todays_booking):
    response = _check_in(clerk, todays_booking, {"registration": {"gender": "Female"}})

    assert_error(response, 400, contains="date_of_birth")
    assert Patient.objects.count() == 0 and Visit.objects.count() == 0


def test_checking_in_twice_is_a_conflict(clerk, todays_booking):
    patient = PatientFactory()
    _check_in(clerk, todays_booking, {"patient_id": patient.pk})

    assert_error(_check_in(clerk, todays_booking, {"patient_id": patient.pk}), 409)
    assert Visit.objects.count() == 1


def test_checking_in_on_another_day_is_a_conflict_and_opens_nothing(clerk):
    booking = AppointmentFactory()  # tomorrow
    patient = PatientFactory()

    assert_error(_check_in(clerk, booking, {"patient_id": patient.pk}), 409, contains="day of their appointment")
    assert Visit.objects.count() == 0 and PatientAppointment.objects.count() == 0


def test_check_in_of_a_missing_appointment_is_404(clerk):
    assert_error(bearer_client(clerk).post("/api/appointments/999999/check-in", {}, format="json"), 404)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("clerk", True),
        ("nurse", True),
        ("doctor", True),
        ("administrator", True),
        ("social_worker", False),
        ("inventory_manager", False),
        ("finance", False),
        ("viewer", False),
    ],
)
def test_who_may_check_patients_in(client_for, todays_booking, role, allowed):
    patient = PatientFactory()

    response = client_for(role).post(
        f"/api/appointments/{todays_booking.pk}/check-in", {"patient_id": patient.pk}, format="json"
    )

    if allowed:
        assert response.status_code == 201
    else:
        assert_error(response, 403)
        assert Visit.objects.count() == 0


def test_staff_book_a_registered_patient_into_a_slot(clerk):
    patient = PatientFactory(phone_number="+27821112222")
    slot = AppointmentSlotFactory()

    response = bearer_client(clerk).post(f"/api/patients/{patient.pk}/appointments", {"slot": slot.pk}, format="json")

    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert (appointment.phone, appointment.sa_id_number, appointment.channel) == (
        "+27821112222",
        patient.id_number,
        "staff",
    )
    assert PatientAppointment.objects.get().patient == patient
    assert response.json()["data"]["reference"] == appointment.reference
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_booking_a_full_slot_is_a_conflict_and_links_nothing(clerk):
    slot = AppointmentSlotFactory(capacity=1)
    AppointmentFactory(slot=slot)
    patient = PatientFactory()

    response = bearer_client(clerk).post(f"/api/patients/{patient.pk}/appointments", {"slot": slot.pk}, format="json")

    assert_error(response, 409)
    assert PatientAppointment.objects.count() == 0
    assert AppointmentSlot.objects.get().booked_count == 1


def test_booking_needs_a_slot(clerk):
    patient = PatientFactory()

    assert_error(bearer_client(clerk).post(f"/api/patients/{patient.pk}/appointments", {}, format="json"), 400)


@pytest.mark.parametrize("role", ["social_worker", "inventory_manager", "finance", "viewer"])
def test_roles_that_do_not_book_cannot_book_for_patients(client_for, role):
    patient = PatientFactory()
    slot = AppointmentSlotFactory()

    response = client_for(role).post(f"/api/patients/{patient.pk}/appointments", {"slot": slot.pk}, format="json")

    assert_error(response, 403)
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("size", [1, 50])
def test_a_patients_appointments_list_runs_a_constant_number_of_queries(clerk, django_assert_max_num_queries, size):
    patient = PatientFactory()
    for _ in range(size):
        PatientAppointment.objects.create(patient=patient, appointment=AppointmentFactory())
    client = bearer_client(clerk)

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/patients/{patient.pk}/appointments", {"per_page": 50})

    assert len(response.json()["data"]) == size
