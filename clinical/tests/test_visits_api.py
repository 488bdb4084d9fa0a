import datetime

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from accounts.choices import Role
from clinical.choices import VisitStage
from clinical.models import Visit, VisitStageChange
from clinical.tests.factories import PatientFactory, VisitFactory
from conftest import bearer_client
from polmed.testing import assert_error
from scheduling.models import Location

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(db):
    return Location.objects.create(name="Khayelitsha SAPS", location_type="police_station", province="Western Cape")


def test_the_spec_visit_request_opens_a_visit_at_registration(clerk, location):
    patient = PatientFactory()
    payload = {
        "visit_date": "2025-11-03",
        "visit_time": "14:30",
        "visit_type": "scheduled",
        "chief_complaint": "Hypertension follow-up",
        "location_id": location.pk,
    }

    response = bearer_client(clerk).post(f"/api/patients/{patient.pk}/visits", payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.get()
    assert body["data"] == {"visit_id": visit.pk} and body["success"] is True
    assert (visit.stage, visit.visit_date, visit.visit_time, visit.location) == (
        VisitStage.REGISTRATION,
        datetime.date(2025, 11, 3),
        datetime.time(14, 30),
        location,
    )
    assert list(visit.stage_changes.values_list("to_stage", "changed_by")) == [("registration", clerk.pk)]


def test_walk_in_is_accepted_with_a_hyphen_and_defaults_to_today(nurse):
    patient = PatientFactory()

    response = bearer_client(nurse).post(f"/api/patients/{patient.pk}/visits", {"visit_type": "walk-in"}, format="json")

    assert response.status_code == 201
    visit = Visit.objects.get()
    assert (visit.visit_type, visit.visit_date) == ("walk_in", timezone.localdate())


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        ({"visit_type": "house-call"}, "visit_type"),
        ({"visit_date": "03/11/2025"}, "visit_date"),
        ({"location_id": 999999}, "location_id"),
    ],
)
def test_bad_visits_are_rejected_and_nothing_is_saved(clerk, payload, text):
    patient = PatientFactory()

    response = bearer_client(clerk).post(f"/api/patients/{patient.pk}/visits", payload, format="json")

    assert_error(response, 400, contains=text)
    assert Visit.objects.count() == 0


def test_a_visit_for_a_missing_patient_is_404(clerk):
    assert_error(bearer_client(clerk).post("/api/patients/999999/visits", {}, format="json"), 404)
    assert Visit.objects.count() == 0


def _advance(user, visit, stage=None):
    return bearer_client(user).post(f"/api/visits/{visit.pk}/advance", {"stage": stage} if stage else {}, format="json")


def test_a_visit_moves_through_every_stage_by_the_right_roles(user_with_role):
    clerk, nurse, doctor, social_worker = (
        user_with_role(r) for r in (Role.CLERK, Role.NURSE, Role.DOCTOR, Role.SOCIAL_WORKER)
    )
    visit = VisitFactory()

    assert _advance(clerk, visit).json()["data"]["stage"] == "assessment"
    assert _advance(nurse, visit).json()["data"]["stage"] == "consultation"
    assert _advance(doctor, visit, "counseling").json()["data"]["stage"] == "counseling"
    assert _advance(social_worker, visit).json()["data"]["stage"] == "closure"
    response = bearer_client(nurse).post(f"/api/visits/{visit.pk}/close", format="json")

    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.is_closed and visit.closed_by == nurse
    assert list(VisitStageChange.objects.filter(visit=visit).values_list("from_stage", "to_stage", "changed_by")) == [
        ("registration", "assessment", clerk.pk),
        ("assessment", "consultation", nurse.pk),
        ("consultation", "counseling", doctor.pk),
        ("counseling", "closure", social_worker.pk),
    ]


def test_counseling_may_be_skipped_from_consultation(doctor):
    visit = VisitFactory(stage=VisitStage.CONSULTATION)

    response = _advance(doctor, visit, "closure")

    assert response.status_code == 200
    assert Visit.objects.get().stage == "closure"


def test_stages_cannot_be_skipped_otherwise(doctor):
    visit = VisitFactory(stage=VisitStage.REGISTRATION)

    assert_error(_advance(doctor, visit, "consultation"), 409, contains="only to assessment")
    assert Visit.objects.get().stage == "registration"
    assert not VisitStageChange.objects.exists()


@pytest.mark.parametrize(
    ("stage", "role"),
    [
        (VisitStage.ASSESSMENT, Role.CLERK),
        (VisitStage.CONSULTATION, Role.NURSE),
        (VisitStage.CONSULTATION, Role.CLERK),
        (VisitStage.REGISTRATION, Role.SOCIAL_WORKER),
    ],
)
def test_a_role_cannot_move_a_visit_out_of_a_stage_it_does_not_work_in(user_with_role, stage, role):
    visit = VisitFactory(stage=stage)

    assert_error(_advance(user_with_role(role), visit), 403)
    assert Visit.objects.get().stage == stage


def test_a_closed_visit_rejects_advances_edits_and_new_records(doctor):
    visit = VisitFactory(stage=VisitStage.CLOSURE, closed_at=timezone.now())
    client = bearer_client(doctor)

    assert_error(_advance(doctor, visit), 409, contains="closed")
    assert_error(client.patch(f"/api/visits/{visit.pk}", {"chief_complaint": "x"}, format="json"), 409)
    assert_error(
        client.post(f"/api/visits/{visit.pk}/vital-signs", {"heart_rate": 70}, format="json"), 409, contains="closed"
    )
    assert_error(client.post(f"/api/visits/{visit.pk}/diagnoses", {"code": "I10"}, format="json"), 409)
    assert visit.vital_signs.count() == 0 and visit.diagnoses.count() == 0


def test_a_note_on_a_closed_visit_is_kept_as_an_attributed_amendment(doctor):
    visit = VisitFactory(stage=VisitStage.CLOSURE, closed_at=timezone.now())

    response = bearer_client(doctor).post(
        f"/api/visits/{visit.pk}/soap-notes", {"plan": "Correction: review in 2 weeks"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["data"]["is_amendment"] is True
    note = visit.consultation_notes.get()
    assert (note.is_amendment, note.recorded_by) == (True, doctor)


def test_notes_on_an_open_visit_are_not_amendments(nurse):
    visit = VisitFactory()

    response = bearer_client(nurse).post(f"/api/visits/{visit.pk}/nursing-notes", {"text": "Triage"}, format="json")

    assert response.json()["data"]["is_amendment"] is False


def test_closing_needs_the_closure_stage(nurse):
    visit = VisitFactory(stage=VisitStage.ASSESSMENT)

    assert_error(bearer_client(nurse).post(f"/api/visits/{visit.pk}/close"), 409, contains="closure stage")
    assert not Visit.objects.get().is_closed


def test_the_queue_lists_the_days_open_visits_by_stage_and_location_with_waiting_time(clerk, location):
    today = timezone.localdate()
    waiting = VisitFactory(stage=VisitStage.ASSESSMENT, location=location, visit_date=today)
    Visit.objects.filter(pk=waiting.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(minutes=42))
    VisitFactory(stage=VisitStage.ASSESSMENT, visit_date=today)  # elsewhere
    VisitFactory(stage=VisitStage.REGISTRATION, location=location, visit_date=today)
    VisitFactory(stage=VisitStage.ASSESSMENT, location=location, visit_date=today - datetime.timedelta(days=1))
    VisitFactory(stage=VisitStage.CLOSURE, location=location, visit_date=today, closed_at=timezone.now())

    response = bearer_client(clerk).get(
        "/api/visits", {"date": today.isoformat(), "stage": "assessment", "location": location.pk}
    )

    assert response.status_code == 200
    rows = response.json()["data"]
    assert [row["id"] for row in rows] == [waiting.pk]
    assert rows[0]["waiting_minutes"] == 42
    assert rows[0]["patient"]["full_name"] == waiting.patient.full_name


def test_the_queue_defaults_to_today_and_can_include_closed_visits(clerk):
    open_visit = VisitFactory()
    closed = VisitFactory(stage=VisitStage.CLOSURE, closed_at=timezone.now())
    client = bearer_client(clerk)

    assert [r["id"] for r in client.get("/api/visits").json()["data"]] == [open_visit.pk]
    assert {r["id"] for r in client.get("/api/visits", {"include_closed": "true"}).json()["data"]} == {
        open_visit.pk,
        closed.pk,
    }


@pytest.mark.parametrize("params", [{"date": "yesterday"}, {"stage": "triage"}, {"location": "abc"}])
def test_bad_queue_filters_are_400(clerk, params):
    assert_error(bearer_client(clerk).get("/api/visits", params), 400)


def test_visit_reads_are_audit_logged(social_worker):
    visit = VisitFactory()

    bearer_client(social_worker).get(f"/api/visits/{visit.pk}")

    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=social_worker, object_id=visit.pk).exists()


def test_a_missing_visit_is_404(doctor):
    assert_error(bearer_client(doctor).get("/api/visits/999999"), 404)
    assert_error(bearer_client(doctor).post("/api/visits/999999/vital-signs", {"heart_rate": 70}, format="json"), 404)


@pytest.mark.parametrize("size", [1, 50])
def test_the_queue_runs_a_constant_number_of_queries(clerk, django_assert_max_num_queries, size):
    for visit in VisitFactory.create_batch(size):
        visit.advance_to(by=clerk)
    client = bearer_client(clerk)

    with django_assert_max_num_queries(9):
        response = client.get("/api/visits", {"per_page": 50})

    assert len(response.json()["data"]) == size


@pytest.mark.parametrize("size", [1, 50])
def test_a_patients_visit_history_runs_a_constant_number_of_queries(doctor, django_assert_max_num_queries, size):
    patient = PatientFactory()
    VisitFactory.create_batch(size, patient=patient)
    client = bearer_client(doctor)

    with django_assert_max_num_queries(10):
        response = client.get(f"/api/patients/{patient.pk}/visits", {"per_page": 50})

    assert len(response.json()["data"]) == size
