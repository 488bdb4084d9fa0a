import pytest

from clinical.models import ConsultationNote, CounselingNote, Diagnosis, NursingNote, VitalSigns
from clinical.tests.factories import VisitFactory
from conftest import bearer_client
from polmed.testing import assert_error

pytestmark = pytest.mark.django_db

SPEC_VITALS = {
    "systolic_bp": 140,
    "diastolic_bp": 90,
    "heart_rate": 72,
    "temperature": 36.8,
    "weight": 75.5,
    "height": 175,
    "oxygen_saturation": 98,
    "blood_glucose": 120,
    "nursing_notes": "Patient stable, vital signs normal",
}


def test_the_spec_vital_signs_request_records_them_with_derived_values(nurse):
    visit = VisitFactory()

    response = bearer_client(nurse).post(f"/api/visits/{visit.pk}/vital-signs", SPEC_VITALS, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"] == "Vital signs recorded successfully"
    data = body["data"]
    assert data["bmi"] == 24.7
    assert data["blood_glucose_mg_dl"] == 120.0 and data["blood_glucose_mmol_l"] == 6.7
    assert data["flags"] == ["hypertension"]
    reading = VitalSigns.objects.get()
    assert (reading.visit, reading.recorded_by, reading.systolic_bp) == (visit, nurse, 140)


def test_several_readings_may_be_taken_in_one_visit(nurse):
    visit = VisitFactory()
    client = bearer_client(nurse)

    client.post(f"/api/visits/{visit.pk}/vital-signs", {"systolic_bp": 170, "diastolic_bp": 100}, format="json")
    client.post(f"/api/visits/{visit.pk}/vital-signs", {"systolic_bp": 150, "diastolic_bp": 95}, format="json")

    rows = client.get(f"/api/visits/{visit.pk}/vital-signs").json()["data"]
    assert [row["systolic_bp"] for row in rows] == [170, 150]


@pytest.mark.parametrize(
    ("payload", "flag"),
    [
        ({"systolic_bp": 185, "diastolic_bp": 100}, "severe_hypertension"),
        ({"systolic_bp": 85, "diastolic_bp": 55}, "hypotension"),
        ({"temperature": 38.6}, "fever"),
        ({"oxygen_saturation": 89}, "low_oxygen_saturation"),
        ({"blood_glucose": 250}, "high_blood_glucose"),
        ({"blood_glucose": 55}, "low_blood_glucose"),
        ({"heart_rate": 120}, "tachycardia"),
        ({"weight": 110, "height": 170}, "obesity"),
    ],
)
def test_abnormal_values_are_flagged(nurse, payload, flag):
    visit = VisitFactory()

    response = bearer_client(nurse).post(f"/api/visits/{visit.pk}/vital-signs", payload, format="json")

    assert response.status_code == 201, response.content
    assert flag in response.json()["data"]["flags"]


def test_glucose_may_be_sent_in_mmol_per_litre(nurse):
    visit = VisitFactory()

    response = bearer_client(nurse).post(
        f"/api/visits/{visit.pk}/vital-signs", {"blood_glucose": 5.5, "blood_glucose_unit": "mmol/L"}, format="json"
    )

    assert response.json()["data"]["blood_glucose_mg_dl"] == 99.0
    assert response.json()["data"]["blood_glucose_mmol_l"] == 5.5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"systolic_bp": 900, "diastolic_bp": 80}, "systolic_bp"),
        ({"temperature": 80}, "temperature"),
        ({"oxygen_saturation": 130}, "oxygen_saturation"),
        ({"heart_rate": -4}, "heart_rate"),
        ({"systolic_bp": 80, "diastolic_bp": 120}, "diastolic"),
        ({"systolic_bp": 120}, "together"),
        ({"weight": 0}, "weight"),
        ({"nursing_notes": "nothing measured"}, "at least one"),
        ({"temperature": "warm"}, "temperature"),
    ],
)
def test_impossible_vital_signs_are_rejected_and_nothing_is_saved(nurse, payload, field):
    visit = VisitFactory()

    response = bearer_client(nurse).post(f"/api/visits/{visit.pk}/vital-signs", payload, format="json")

    assert_error(response, 400, contains=field)
    assert VitalSigns.objects.count() == 0


@pytest.mark.parametrize("size", [1, 50])
def test_vital_signs_list_runs_a_constant_number_of_queries(nurse, django_assert_max_num_queries, size):
    visit = VisitFactory()
    VitalSigns.objects.bulk_create([VitalSigns(visit=visit, recorded_by=nurse, heart_rate=70) for _ in range(size)])
    client = bearer_client(nurse)

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/visits/{visit.pk}/vital-signs", {"per_page": 50})

    assert len(response.json()["data"]) == size


def test_doctors_write_soap_notes(doctor):
    visit = VisitFactory()

    response = bearer_client(doctor).post(
        f"/api/visits/{visit.pk}/soap-notes",
        {"subjective": "Headaches", "objective": "BP 150/95", "assessment": "Uncontrolled HT", "plan": "Add HCTZ"},
        format="json",
    )

    assert response.status_code == 201
    note = ConsultationNote.objects.get()
    assert (note.recorded_by, note.plan) == (doctor, "Add HCTZ")


def test_an_empty_soap_note_is_rejected(doctor):
    visit = VisitFactory()

    assert_error(bearer_client(doctor).post(f"/api/visits/{visit.pk}/soap-notes", {}, format="json"), 400)
    assert ConsultationNote.objects.count() == 0


def test_nurses_write_nursing_notes_and_social_workers_counseling_notes(nurse, social_worker):
    visit = VisitFactory()

    assert (
        bearer_client(nurse).post(f"/api/visits/{visit.pk}/nursing-notes", {"text": "Triage"}, format="json")
    ).status_code == 201
    assert (
        bearer_client(social_worker).post(
            f"/api/visits/{visit.pk}/counseling-notes", {"text": "Referred to support group"}, format="json"
        )
    ).status_code == 201
    assert NursingNote.objects.get().recorded_by == nurse
    assert CounselingNote.objects.get().recorded_by == social_worker


@pytest.mark.parametrize("role", ["clerk", "finance", "viewer", "inventory_manager", "nurse"])
def test_counseling_notes_are_hidden_from_non_counseling_roles(client_for, role):
    visit = VisitFactory()
    CounselingNote.objects.create(visit=visit, text="Private")

    assert_error(client_for(role).get(f"/api/visits/{visit.pk}/counseling-notes"), 403)


def test_diagnoses_are_validated_and_described_from_the_who_code_list(doctor):
    visit = VisitFactory()
    client = bearer_client(doctor)

    response = client.post(f"/api/visits/{visit.pk}/diagnoses", {"code": "e119", "rank": "primary"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["data"]["code"] == "E11.9"
    assert Diagnosis.objects.get().description == "Type 2 diabetes mellitus without complications"


@pytest.mark.parametrize("code", ["XYZ", "E11.99", "A00-A09", "IX", ""])
def test_invalid_icd10_codes_are_rejected(doctor, code):
    visit = VisitFactory()

    response = bearer_client(doctor).post(f"/api/visits/{visit.pk}/diagnoses", {"code": code}, format="json")

    assert_error(response, 400, contains="code")
    assert Diagnosis.objects.count() == 0


def test_a_second_primary_diagnosis_is_a_conflict(doctor):
    visit = VisitFactory()
    client = bearer_client(doctor)
    client.post(f"/api/visits/{visit.pk}/diagnoses", {"code": "I10", "rank": "primary"}, format="json")

    response = client.post(f"/api/visits/{visit.pk}/diagnoses", {"code": "E11.9", "rank": "primary"}, format="json")
    secondary = client.post(f"/api/visits/{visit.pk}/diagnoses", {"code": "E11.9"}, format="json")

    assert_error(response, 409, contains="primary")
    assert secondary.status_code == 201
    assert list(Diagnosis.objects.values_list("code", "rank")) == [("I10", "primary"), ("E11.9", "secondary")]


def test_injury_diagnoses_say_they_need_an_external_cause(doctor):
    visit = VisitFactory()

    response = bearer_client(doctor).post(f"/api/visits/{visit.pk}/diagnoses", {"code": "S52.5"}, format="json")

    assert response.json()["data"]["requires_external_cause"] is True


def test_icd10_lookup_by_code_and_by_words(nurse):
    client = bearer_client(nurse)

    by_code = client.get("/api/icd10", {"search": "j45"}).json()["data"]
    by_words = client.get("/api/icd10", {"search": "essential hypertension"}).json()["data"]

    assert by_code[0] == {"code": "J45", "description": "Asthma"}
    assert all(row["code"].startswith("J45") for row in by_code)
    assert {"code": "I10", "description": "Essential (primary) hypertension"} in by_words


def test_icd10_lookup_needs_a_term(nurse):
    assert_error(bearer_client(nurse).get("/api/icd10"), 400, contains="search")
