"""Staff clinical pages: who may open each, what they show, and that their forms go through the services."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from accounts.choices import Role
from clinical.choices import ReferralStatus, VisitStage
from clinical.models import Diagnosis, Patient, PrescriptionItem, Visit, VitalSigns
from clinical.tests.factories import (
    PatientFactory,
    ReferralFactory,
    VisitFactory,
    medicine,
    sa_id_number,
    stock_medicine,
    van_route,
)
from inventory.models import Batch
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


@pytest.fixture(autouse=True)
def formulary(db):
    """The shipped formulary (a data migration loads it, but a transactional test elsewhere may have flushed it)."""
    from clinical.formulary import load_formulary
    from clinical.models import Medicine

    load_formulary(Medicine)


CLINIC_TEAM = roles(Role.DOCTOR, Role.NURSE, Role.CLERK, Role.SOCIAL_WORKER)
REGISTRATION = roles(Role.DOCTOR, Role.NURSE, Role.CLERK)

PAGES = {
    "clinical:patient-list": CLINIC_TEAM,
    "clinical:patient-register": REGISTRATION,
    "clinical:patient-detail": CLINIC_TEAM,
    "clinical:visit-open": REGISTRATION,
    "clinical:patient-book": REGISTRATION,
    "clinical:appointment-check-in": REGISTRATION,
    "clinical:clinic": CLINIC_TEAM,
    "clinical:clinic-stop": CLINIC_TEAM,
    "clinical:visit-detail": CLINIC_TEAM,
    "clinical:icd10-search": roles(Role.DOCTOR, Role.NURSE),
    "clinical:referral-list": roles(Role.DOCTOR, Role.NURSE, Role.SOCIAL_WORKER),
    "clinical:referral-detail": roles(Role.DOCTOR, Role.NURSE, Role.SOCIAL_WORKER),
}

# POST-only form targets, and who may use them (per `accounts/roles.py`).
ACTIONS = {
    "clinical:patient-register-check": REGISTRATION,
    "clinical:visit-vitals": roles(Role.DOCTOR, Role.NURSE),
    "clinical:visit-nursing-note": roles(Role.DOCTOR, Role.NURSE),
    "clinical:visit-soap": roles(Role.DOCTOR),
    "clinical:visit-diagnosis": roles(Role.DOCTOR),
    "clinical:visit-prescribe": roles(Role.DOCTOR),
    "clinical:visit-counseling-note": roles(Role.SOCIAL_WORKER),
    "clinical:visit-refer": roles(Role.DOCTOR, Role.SOCIAL_WORKER),
    # From the stage a new visit starts at (registration); social workers move visits on from counseling only.
    "clinical:visit-advance": REGISTRATION,
    "clinical:visit-close": roles(Role.DOCTOR, Role.NURSE),
    "clinical:visit-dispense": roles(Role.DOCTOR, Role.NURSE),
}


@pytest.fixture
def world():
    visit = VisitFactory()
    stop = RouteStopFactory(date=timezone.localdate(), slots=False)
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(stop=stop))
    referral = ReferralFactory(patient=visit.patient)
    return {"visit": visit, "patient": visit.patient, "stop": stop, "appointment": appointment, "referral": referral}


def page_url(name, w):
    return {
        "clinical:patient-list": "/patients/?q=Thabo",
        "clinical:patient-register": "/patients/new/",
        "clinical:patient-detail": f"/patients/{w['patient'].pk}/",
        "clinical:visit-open": f"/patients/{w['patient'].pk}/visits/new/",
        "clinical:patient-book": f"/patients/{w['patient'].pk}/book/",
        "clinical:appointment-check-in": f"/appointments/{w['appointment'].pk}/check-in/",
        "clinical:clinic": "/clinic/",
        "clinical:clinic-stop": f"/clinic/stops/{w['stop'].pk}/",
        "clinical:visit-detail": f"/visits/{w['visit'].pk}/",
        "clinical:icd10-search": "/icd10/?code=diabetes",
        "clinical:referral-list": "/referrals/",
        "clinical:referral-detail": f"/referrals/{w['referral'].pk}/",
    }[name]


@pytest.mark.parametrize(PAGE_ARGS, page_access_cases(PAGES))
def test_clinical_pages_open_only_for_roles_that_may_use_them(client, user_with_role, world, page_name, role, allowed):
    client.force_login(user_with_role(role))

    assert_page_access(client.get(page_url(page_name, world)), allowed, page_name)


@pytest.mark.parametrize("name", PAGES)
def test_clinical_pages_need_a_login(client, world, name):
    assert_login_required(client.get(page_url(name, world)))


def action_url(name, w):
    visit = w["visit"].pk
    return {
        "clinical:patient-register-check": "/patients/new/check/",
        "clinical:visit-vitals": f"/visits/{visit}/vitals/",
        "clinical:visit-nursing-note": f"/visits/{visit}/nursing-notes/",
        "clinical:visit-soap": f"/visits/{visit}/soap-notes/",
        "clinical:visit-diagnosis": f"/visits/{visit}/diagnoses/",
        "clinical:visit-prescribe": f"/visits/{visit}/prescriptions/",
        "clinical:visit-counseling-note": f"/visits/{visit}/counseling-notes/",
        "clinical:visit-refer": f"/visits/{visit}/referrals/",
        "clinical:visit-advance": f"/visits/{visit}/advance/",
        "clinical:visit-close": f"/visits/{visit}/close/",
        # No such prescribed item: the roles allowed get past the access check to a 404.
        "clinical:visit-dispense": f"/visits/{visit}/dispense/999999/",
    }[name]


@pytest.mark.parametrize(PAGE_ARGS, page_access_cases(ACTIONS))
def test_clinical_forms_accept_posts_only_from_roles_that_may_use_them(
    client, user_with_role, world, page_name, role, allowed
):
    client.force_login(user_with_role(role))

    assert_action_access(client.post(action_url(page_name, world)), allowed, page_name)


@pytest.mark.parametrize("name", ACTIONS)
def test_clinical_forms_need_a_login(client, world, name):
    assert_login_required(client.post(action_url(name, world)))


@pytest.mark.parametrize(
    "name",
    [
        "clinical:patient-list",
        "clinical:patient-detail",
        "clinical:visit-detail",
        "clinical:referral-list",
        "clinical:clinic",
    ],
)
def test_pages_with_patient_data_are_never_cached(client, doctor, world, name):
    client.force_login(doctor)

    assert "no-store" in client.get(page_url(name, world))["Cache-Control"]


# --- Patients -------------------------------------------------------------------------------------


def test_search_finds_a_patient_by_id_number_and_audits_the_read(client, clerk):
    patient = PatientFactory(first_name="Lindiwe")
    PatientFactory.create_batch(2)
    client.force_login(clerk)

    response = client.post("/patients/", {"q": patient.id_number})

    assert list(response.context["patients"]) == [patient]
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(patient.pk), actor=clerk).exists()


def test_search_pages_twenty_at_a_time(client, clerk):
    PatientFactory.create_batch(25, last_name="Ndlovu")
    client.force_login(clerk)

    first = client.post("/patients/", {"q": "Ndlovu"})
    second = client.post("/patients/", {"q": "Ndlovu", "page": 2})

    assert len(first.context["patients"]) == 20 and len(second.context["patients"]) == 5
    assert 'name="page" value="2"' in first.content.decode()


def test_search_terms_never_appear_in_a_url(client, clerk):
    patient = PatientFactory.create_batch(21, last_name="Ndlovu")[0]
    client.force_login(clerk)

    page = client.post("/patients/", {"q": patient.id_number}).content.decode()
    more = client.post("/patients/", {"q": "Ndlovu"}).content.decode()

    assert f"q={patient.id_number}" not in page and "q=Ndlovu" not in more
    assert 'method="post"' in more


def test_search_runs_the_same_queries_for_one_or_twenty_patients(client, clerk, django_assert_max_num_queries):
    PatientFactory(last_name="Zulu")
    client.force_login(clerk)
    with django_assert_max_num_queries(20) as one:
        client.post("/patients/", {"q": "Zulu"})
    PatientFactory.create_batch(30, last_name="Zulu")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.post("/patients/", {"q": "Zulu"})

    assert len(response.context["patients"]) == 20


def registration(**overrides):
    born = datetime.date(1990, 5, 15)
    data = {
        "first_name": "John",
        "last_name": "Doe",
        "date_of_birth": born.isoformat(),
        "gender": "Male",
        "id_number": sa_id_number(born, male=True, sequence=123),
        "phone_number": "082 123 4567",
        "province": "Western Cape",
        "is_palmed_member": "on",
        "medical_aid_number": "PAL123456789",
        "allergies": "Penicillin",
        "chronic_conditions": "Hypertension\nDiabetes",
        "current_medications": "Metformin 500mg",
    }
    data.update(overrides)
    return data


def test_a_clerk_registers_a_patient_with_what_they_report(client, clerk):
    client.force_login(clerk)

    response = client.post("/patients/new/", registration())

    patient = Patient.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/patients/{patient.pk}/"
    assert str(patient.phone_number) == "+27821234567"
    assert [a.substance for a in patient.allergies.all()] == ["Penicillin"]
    assert [c.name for c in patient.chronic_conditions.all()] == ["Hypertension", "Diabetes"]


def test_registration_errors_appear_next_to_their_fields_and_nothing_is_saved(client, clerk):
    client.force_login(clerk)

    response = client.post(
        "/patients/new/", registration(id_number="9005155123089", phone_number="12", gender="Female")
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "id_number" in errors or "gender" in errors
    assert "phone_number" in errors
    assert 'id="id_phone_number_error"' in response.content.decode()
    assert not Patient.objects.exists()


def test_registering_someone_already_registered_links_to_the_existing_record(client, clerk):
    existing = PatientFactory(medical_aid_number="PAL123456789")
    client.force_login(clerk)

    response = client.post("/patients/new/", registration())

    assert response.status_code == 400
    assert response.context["duplicate"] == existing
    assert f"/patients/{existing.pk}/" in response.content.decode()
    assert Patient.objects.count() == 1


def test_same_names_and_birth_date_warn_and_need_confirmation(client, clerk):
    PatientFactory(first_name="John", last_name="Doe", date_of_birth=datetime.date(1990, 5, 15), id_number=None)
    client.force_login(clerk)

    warned = client.post("/patients/new/", registration())
    confirmed = client.post("/patients/new/", registration(confirm_new_person="on"))

    assert warned.status_code == 400 and "Possible duplicate" in warned.content.decode()
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_the_patient_page_shows_allergies_conditions_visits_referrals_and_bookings(client, doctor):
    patient = PatientFactory()
    patient.set_health_lists(conditions=["Hypertension"], allergies=["Penicillin"])
    VisitFactory(patient=patient, chief_complaint="Chest pain")
    ReferralFactory(patient=patient, external_provider="Helen Joseph Hospital")
    AppointmentFactory(sa_id_number=patient.id_number)
    client.force_login(doctor)

    response = client.get(f"/patients/{patient.pk}/")

    page = response.content.decode()
    assert "Allergies: Penicillin" in page
    assert "Hypertension" in page and "Chest pain" in page and "Helen Joseph Hospital" in page
    assert len(response.context["appointments"]) == 1
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(patient.pk), actor=doctor).exists()


def test_a_clerk_does_not_see_referrals_or_diagnoses_on_the_patient_page(client, clerk):
    patient = PatientFactory()
    ReferralFactory(patient=patient, external_provider="Helen Joseph Hospital")
    client.force_login(clerk)

    page = client.get(f"/patients/{patient.pk}/").content.decode()

    assert "Helen Joseph Hospital" not in page


def test_a_missing_patient_is_404(client, clerk):
    client.force_login(clerk)

    assert client.get("/patients/999999/").status_code == 404


# --- Visits ---------------------------------------------------------------------------------------


def test_a_clerk_opens_a_visit_at_todays_stop(client, clerk):
    patient = PatientFactory()
    stop = RouteStopFactory(date=timezone.localdate(), slots=False)
    client.force_login(clerk)

    response = client.post(
        f"/patients/{patient.pk}/visits/new/", {"visit_type": "walk_in", "stop": stop.pk, "chief_complaint": "Cough"}
    )

    visit = Visit.objects.get(patient=patient)
    assert response["Location"] == f"/visits/{visit.pk}/"
    assert (visit.route, visit.location, visit.stage) == (stop.route, stop.location, VisitStage.REGISTRATION)
    assert visit.stage_changes.get().changed_by == clerk


def test_check_in_picks_the_patient_and_opens_a_scheduled_visit(client, clerk):
    patient = PatientFactory()
    stop = RouteStopFactory(date=timezone.localdate(), slots=False)
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(stop=stop), phone=str(patient.phone_number))
    client.force_login(clerk)

    shown = client.get(f"/appointments/{appointment.pk}/check-in/")
    response = client.post(f"/appointments/{appointment.pk}/check-in/", {"patient": patient.pk})

    assert patient in shown.context["candidates"]
    visit = Visit.objects.get(patient=patient)
    assert response["Location"] == f"/visits/{visit.pk}/"
    assert (visit.visit_type, visit.location) == ("scheduled", stop.location)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN


def test_a_new_patient_registered_from_a_booking_comes_back_to_check_in(client, clerk):
    stop = RouteStopFactory(date=timezone.localdate(), slots=False)
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(stop=stop), first_name="Zanele", last_name="Mthembu")
    client.force_login(clerk)

    check_in = client.get(f"/appointments/{appointment.pk}/check-in/").content.decode()
    form = client.get(f"/patients/new/?appointment={appointment.pk}")
    response = client.post(
        f"/patients/new/?appointment={appointment.pk}",
        registration(
            first_name="Zanele", last_name="Mthembu", gender="Female", id_number="", passport_number="A1234567"
        ),
    )

    assert f"/patients/new/?appointment={appointment.pk}" in check_in and "first_name=" not in check_in
    assert form.context["form"].initial["first_name"] == "Zanele"
    patient = Patient.objects.get(last_name="Mthembu")
    assert response["Location"] == f"/appointments/{appointment.pk}/check-in/?patient={patient.pk}"


def test_check_in_on_the_wrong_day_opens_no_visit(client, clerk):
    patient = PatientFactory()
    appointment = AppointmentFactory(phone=str(patient.phone_number))  # tomorrow
    client.force_login(clerk)

    response = client.post(f"/appointments/{appointment.pk}/check-in/", {"patient": patient.pk}, follow=True)

    assert "only on the day" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_queue_shows_open_visits_by_stage_with_waiting_time(client, nurse):
    stop = RouteStopFactory(date=timezone.localdate(), slots=False)
    waiting = VisitFactory(
        route=stop.route,
        location=stop.location,
        stage=VisitStage.ASSESSMENT,
        stage_entered_at=timezone.now() - datetime.timedelta(minutes=45),
    )
    VisitFactory(location=RouteStopFactory(date=timezone.localdate(), slots=False).location)  # another stop
    client.force_login(nurse)

    response = client.get(f"/clinic/stops/{stop.pk}/")

    assessment = next(c for c in response.context["board"] if c["stage"] == VisitStage.ASSESSMENT)
    assert [v.pk for v in assessment["visits"]] == [waiting.pk]
    assert response.context["total"] == 1
    assert "waiting 45 min" in response.content.decode()


def test_the_queue_runs_the_same_queries_for_one_or_many_visits(client, nurse, django_assert_max_num_queries):
    VisitFactory()
    client.force_login(nurse)
    with django_assert_max_num_queries(20) as one:
        client.get("/clinic/")
    VisitFactory.create_batch(30)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/clinic/")

    assert response.context["total"] == 31


def test_a_nurse_records_vitals_and_abnormal_values_are_highlighted(client, nurse):
    visit = VisitFactory(stage=VisitStage.ASSESSMENT)
    client.force_login(nurse)

    response = client.post(
        f"/visits/{visit.pk}/vitals/",
        {"systolic_bp": 165, "diastolic_bp": 100, "heart_rate": 72, "temperature": "36.8", "blood_glucose": 120},
    )

    reading = VitalSigns.objects.get(visit=visit)
    assert reading.recorded_by == nurse and response.status_code == 302
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert '<td class="abnormal high">165/100</td>' in page
    assert "6.7 mmol/L" in page


def test_impossible_vitals_are_rejected_next_to_the_field_and_nothing_is_saved(client, nurse):
    visit = VisitFactory(stage=VisitStage.ASSESSMENT)
    client.force_login(nurse)

    response = client.post(f"/visits/{visit.pk}/vitals/", {"systolic_bp": 900, "diastolic_bp": 80})

    assert response.status_code == 400
    assert "not a possible reading" in response.context["vitals_form"].errors["systolic_bp"][0]
    assert not VitalSigns.objects.exists()


def test_a_clerk_cannot_record_vitals(client, clerk):
    visit = VisitFactory()
    client.force_login(clerk)

    assert client.post(f"/visits/{visit.pk}/vitals/", {"heart_rate": 70}).status_code == 403
    assert not VitalSigns.objects.exists()


def test_the_visit_page_offers_only_the_forms_a_role_may_use(client, clerk, nurse, doctor, social_worker):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    forms = {}
    for user in (clerk, nurse, doctor, social_worker):
        client.force_login(user)
        context = client.get(f"/visits/{visit.pk}/").context
        forms[user.role] = {
            name for name in ("vitals_form", "soap_form", "prescribe_form", "counseling_form") if context[name]
        }

    assert forms[Role.CLERK] == set()
    assert forms[Role.NURSE] == {"vitals_form"}
    assert forms[Role.DOCTOR] == {"vitals_form", "soap_form", "prescribe_form"}
    assert forms[Role.SOCIAL_WORKER] == {"counseling_form"}


def test_a_doctor_codes_a_diagnosis(client, doctor):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    client.force_login(doctor)

    client.post(f"/visits/{visit.pk}/diagnoses/", {"code": "e119", "rank": "primary"})

    diagnosis = Diagnosis.objects.get(visit=visit)
    assert diagnosis.code == "E11.9" and diagnosis.recorded_by == doctor


def test_an_invalid_icd10_code_is_rejected_next_to_the_code(client, doctor):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    client.force_login(doctor)

    response = client.post(f"/visits/{visit.pk}/diagnoses/", {"code": "XYZ", "rank": "primary"})

    assert response.status_code == 400
    assert "not a WHO ICD-10" in response.context["diagnosis_form"].errors["code"][0]
    assert not Diagnosis.objects.exists()


def test_icd10_search_as_you_type_returns_matching_codes(client, doctor):
    client.force_login(doctor)

    response = client.get("/icd10/", {"code": "E11.9"})

    assert 'data-icd-code="E11.9"' in response.content.decode()


def test_a_doctor_prescribes_from_the_formulary(client, doctor):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    drug = medicine("Amlodipine")
    client.force_login(doctor)

    client.post(
        f"/visits/{visit.pk}/prescriptions/",
        {"medicine": drug.pk, "dose": "1 tablet", "frequency": "daily", "duration": "30 days", "quantity": 30},
    )

    item = PrescriptionItem.objects.get()
    assert (item.medicine, item.quantity, item.prescription.prescribed_by) == (drug, 30, doctor)


def test_an_allergy_conflict_is_shown_and_needs_a_reason_to_override(client, doctor):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    visit.patient.set_health_lists(allergies=["Penicillin"])
    drug = medicine("Amoxicillin")
    client.force_login(doctor)
    data = {"medicine": drug.pk, "dose": "500 mg", "frequency": "tds", "quantity": 15}

    page = client.get(f"/visits/{visit.pk}/").content.decode()
    refused = client.post(f"/visits/{visit.pk}/prescriptions/", data)
    assert not PrescriptionItem.objects.exists()
    client.post(f"/visits/{visit.pk}/prescriptions/", {**data, "override_reason": "Tolerated before; no alternative"})

    assert "Allergy conflicts" in page and "Amoxicillin" in page
    assert refused.status_code == 400
    assert "allergic to Penicillin" in refused.context["prescribe_form"].errors["medicine"][0]
    item = PrescriptionItem.objects.get()
    assert item.override_reason == "Tolerated before; no alternative" and item.overridden_by == doctor


def test_advancing_moves_one_stage_and_records_who(client, clerk):
    visit = VisitFactory()
    client.force_login(clerk)

    client.post(f"/visits/{visit.pk}/advance/", {"stage": "assessment"})

    visit.refresh_from_db()
    assert visit.stage == VisitStage.ASSESSMENT
    assert visit.stage_changes.get(to_stage=VisitStage.ASSESSMENT).changed_by == clerk


def test_a_clerk_cannot_move_a_visit_out_of_consultation(client, clerk):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    client.force_login(clerk)

    response = client.post(f"/visits/{visit.pk}/advance/", {"stage": "closure"})

    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.stage == VisitStage.CONSULTATION


def test_skipping_a_stage_is_refused_with_the_reason(client, nurse):
    visit = VisitFactory()
    client.force_login(nurse)

    response = client.post(f"/visits/{visit.pk}/advance/", {"stage": "closure"}, follow=True)

    assert "can move only to assessment" in response.content.decode()
    visit.refresh_from_db()
    assert visit.stage == VisitStage.REGISTRATION


def test_closing_a_visit_makes_it_read_only(client, nurse):
    visit = VisitFactory(stage=VisitStage.CLOSURE)
    client.force_login(nurse)

    client.post(f"/visits/{visit.pk}/close/")
    response = client.get(f"/visits/{visit.pk}/")
    refused = client.post(f"/visits/{visit.pk}/vitals/", {"heart_rate": 70})

    visit.refresh_from_db()
    assert visit.is_closed and visit.closed_by == nurse
    assert response.context["vitals_form"] is None and "read-only" in response.content.decode()
    assert refused.status_code == 400 and "closed" in refused.content.decode()
    assert not VitalSigns.objects.exists()


def test_a_note_on_a_closed_visit_is_kept_as_an_amendment(client, nurse):
    visit = VisitFactory(stage=VisitStage.CLOSURE)
    visit.close(by=nurse)
    client.force_login(nurse)

    client.post(f"/visits/{visit.pk}/nursing-notes/", {"text": "Patient phoned: headache resolved."})
    page = client.get(f"/visits/{visit.pk}/").content.decode()

    note = visit.nursing_notes.get()
    assert note.is_amendment and note.recorded_by == nurse
    assert "Amendment" in page and "Add amendment" in page


def test_the_visit_page_runs_the_same_queries_with_more_records(client, doctor, django_assert_max_num_queries):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    client.force_login(doctor)
    VitalSigns.objects.create(visit=visit, heart_rate=70)
    with django_assert_max_num_queries(40) as one:
        client.get(f"/visits/{visit.pk}/")
    for rate in range(71, 90):
        VitalSigns.objects.create(visit=visit, heart_rate=rate, recorded_by=doctor)

    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/visits/{visit.pk}/")


# --- Referrals ------------------------------------------------------------------------------------


def test_open_referrals_are_listed_and_closed_ones_are_not(client, social_worker):
    open_one = ReferralFactory(external_provider="Open Hospital")
    ReferralFactory(external_provider="Done Hospital", status=ReferralStatus.ATTENDED)
    client.force_login(social_worker)

    response = client.get("/referrals/")

    assert list(response.context["referrals"]) == [open_one]


def test_the_most_urgent_referrals_come_first(client, doctor):
    routine = ReferralFactory(urgency="routine")
    emergency = ReferralFactory(urgency="emergency")
    urgent = ReferralFactory(urgency="urgent")
    client.force_login(doctor)

    response = client.get("/referrals/")

    assert list(response.context["referrals"]) == [emergency, urgent, routine]


def test_a_social_worker_moves_a_referral_on_and_records_feedback(client, social_worker):
    referral = ReferralFactory()
    client.force_login(social_worker)

    client.post(f"/referrals/{referral.pk}/", {"status": "sent", "note": "Faxed"})
    client.post(f"/referrals/{referral.pk}/", {"feedback": "Seen by cardiology; on treatment."})

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert referral.feedback == "Seen by cardiology; on treatment."
    assert referral.status_changes.get(to_status=ReferralStatus.SENT).changed_by == social_worker


def test_booking_a_referral_appointment_needs_its_date(client, doctor):
    referral = ReferralFactory(status=ReferralStatus.SENT)
    client.force_login(doctor)

    response = client.post(f"/referrals/{referral.pk}/", {"status": "appointment_booked"})

    assert response.status_code == 400
    assert response.context["status_form"].errors["appointment_date"] == ["Give the appointment date."]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_a_nurse_reads_referrals_but_cannot_change_them(client, nurse):
    referral = ReferralFactory()
    client.force_login(nurse)

    assert client.post(f"/referrals/{referral.pk}/", {"status": "sent"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


def test_a_clerk_books_an_appointment_for_a_patient(client, clerk):
    patient = PatientFactory(province="Gauteng")
    stop = RouteStopFactory(route__province="Gauteng", max_appointments=4)
    slot = stop.slots.filter(capacity__gt=0).first()
    client.force_login(clerk)

    page = client.get(f"/patients/{patient.pk}/book/", {"date": stop.date.isoformat()})
    client.post(f"/patients/{patient.pk}/book/?date={stop.date}", {"slot": slot.pk})

    assert f'value="{slot.pk}"' in page.content.decode()
    appointment = slot.appointments.get()
    assert appointment.phone == str(patient.phone_number) and appointment.booked_by == clerk


# --- Dispensing -----------------------------------------------------------------------------------


def prescribed_item(doctor, visit, drug, quantity):
    from clinical import services

    return services.prescribe(
        visit=visit, by=doctor, items=[{"medicine": drug, "dose": "1", "frequency": "tds", "quantity": quantity}]
    ).items.get()


def test_the_prescription_form_shows_what_the_van_holds(client, doctor):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=route.mobile_unit.stock_location, quantity=40, by=doctor)
    visit = VisitFactory(route=route, stage=VisitStage.CONSULTATION)
    client.force_login(doctor)

    page = client.get(f"/visits/{visit.pk}/").content.decode()

    assert f"{paracetamol} — in van: 40" in page


def test_a_nurse_dispenses_from_the_van_first_expiry_first(client, doctor, nurse):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    location = route.mobile_unit.stock_location
    stock_medicine(paracetamol, location=location, quantity=10, by=nurse, batch_number="EARLY", days=30)
    stock_medicine(paracetamol, location=location, quantity=50, by=nurse, batch_number="LATE", days=300)
    visit = VisitFactory(route=route, stage=VisitStage.CLOSURE)
    item = prescribed_item(doctor, visit, paracetamol, 15)
    client.force_login(nurse)

    response = client.post(f"/visits/{visit.pk}/dispense/{item.pk}/", follow=True)

    item.refresh_from_db()
    assert item.quantity_dispensed == 15
    assert dict(Batch.objects.values_list("batch_number", "quantity")) == {"EARLY": 0, "LATE": 45}
    assert "from batch EARLY" in response.content.decode()


def test_a_shortage_is_reported_and_nothing_is_dispensed(client, doctor, nurse):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=route.mobile_unit.stock_location, quantity=3, by=nurse)
    visit = VisitFactory(route=route, stage=VisitStage.CLOSURE)
    item = prescribed_item(doctor, visit, paracetamol, 15)
    client.force_login(nurse)

    response = client.post(f"/visits/{visit.pk}/dispense/{item.pk}/", follow=True)

    assert "Not enough" in response.content.decode()
    item.refresh_from_db()
    assert item.quantity_dispensed == 0 and Batch.objects.get().quantity == 3


def test_a_clerk_cannot_dispense(client, doctor, clerk):
    visit = VisitFactory(route=van_route(), stage=VisitStage.CLOSURE)
    item = prescribed_item(doctor, visit, medicine("Paracetamol", "500 mg"), 5)
    client.force_login(clerk)

    assert client.post(f"/visits/{visit.pk}/dispense/{item.pk}/").status_code == 403


def test_the_live_duplicate_check_names_an_already_registered_patient(client, clerk):
    existing = PatientFactory()
    client.force_login(clerk)

    found = client.post("/patients/new/check/", {"id_number": existing.id_number})
    unknown = client.post("/patients/new/check/", {"id_number": sa_id_number(datetime.date(1970, 1, 1), male=True)})

    assert f"/patients/{existing.pk}/" in found.content.decode()
    assert unknown.content.decode().strip() == ""


def test_only_registering_roles_may_use_the_duplicate_check(client, social_worker):
    client.force_login(social_worker)

    assert client.post("/patients/new/check/", {"id_number": "1"}).status_code == 403


def test_a_second_diagnosis_defaults_to_secondary(client, doctor):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)
    client.force_login(doctor)
    client.post(f"/visits/{visit.pk}/diagnoses/", {"code": "I10", "rank": "primary"})

    response = client.get(f"/visits/{visit.pk}/")

    assert response.context["diagnosis_form"]["rank"].value() == "secondary"


def test_the_patient_page_runs_the_same_queries_however_long_the_history(client, doctor, django_assert_max_num_queries):
    patient = PatientFactory()
    patient.set_health_lists(conditions=["Asthma"], allergies=["Penicillin"], medications=["Salbutamol"])
    visit = VisitFactory(patient=patient)
    Diagnosis.objects.create(visit=visit, code="J45.9", description="Asthma, unspecified")
    ReferralFactory(patient=patient)
    client.force_login(doctor)
    with django_assert_max_num_queries(30) as one:
        client.get(f"/patients/{patient.pk}/")
    for _ in range(10):
        other = VisitFactory(patient=patient)
        Diagnosis.objects.create(visit=other, code="J45.9", description="Asthma, unspecified")
        ReferralFactory(patient=patient)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"/patients/{patient.pk}/")

    assert len(response.context["visits"]) == 11


def test_the_referral_list_runs_the_same_queries_for_one_or_many(client, doctor, django_assert_max_num_queries):
    ReferralFactory()
    client.force_login(doctor)
    with django_assert_max_num_queries(20) as one:
        client.get("/referrals/")
    ReferralFactory.create_batch(24)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/referrals/")

    assert len(response.context["referrals"]) == 25


def test_the_stage_steps_show_a_skipped_counseling_stage(client, doctor, nurse):
    visit = VisitFactory()
    for stage in ("assessment", "consultation", "closure"):
        visit.advance_to(stage, by=doctor)
    client.force_login(nurse)

    steps = client.get(f"/visits/{visit.pk}/").context["stages"]

    assert [step["state"] for step in steps] == ["done", "done", "done", "skipped", "current"]


def test_booking_for_a_patient_suggests_other_days_with_free_times(client, clerk):
    patient = PatientFactory(province="Gauteng")
    later = RouteStopFactory(
        route__province="Gauteng", date=timezone.localdate() + datetime.timedelta(days=3), max_appointments=4
    )
    client.force_login(clerk)

    response = client.get(
        f"/patients/{patient.pk}/book/", {"date": (later.date - datetime.timedelta(days=1)).isoformat()}
    )

    assert list(response.context["other_days"]) == [later.date]
    assert f"?date={later.date.isoformat()}" in response.content.decode()
