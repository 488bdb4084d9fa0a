import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from clinical.models import Allergy, ChronicCondition, Patient
from clinical.tests.factories import PatientFactory, sa_id_number
from conftest import bearer_client
from polmed.testing import assert_error

pytestmark = pytest.mark.django_db

SPEC_PATIENT = {
    "first_name": "John",
    "last_name": "Doe",
    "date_of_birth": "1990-05-15",
    "gender": "Male",
    "phone_number": "+27123456789",
    "medical_aid_number": "PAL123456789",
    "email": "john@example.com",
    "physical_address": "123 Main St, Cape Town",
    "province": "Western Cape",
    "is_palmed_member": True,
    "chronic_conditions": ["Hypertension", "Diabetes"],
    "allergies": ["Penicillin"],
    "current_medications": ["Metformin 500mg", "Lisinopril 10mg"],
}
JOHN_ID = sa_id_number(datetime.date(1990, 5, 15), male=True)


def test_the_spec_registration_request_creates_the_patient_with_its_lists(clerk):
    response = bearer_client(clerk).post("/api/patients", SPEC_PATIENT, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True and body["message"] == "Patient created successfully"
    patient = Patient.objects.get()
    assert (patient.first_name, patient.province, patient.created_by) == ("John", "Western Cape", clerk)
    assert body["data"]["chronic_conditions"] == ["Hypertension", "Diabetes"]
    assert body["data"]["allergies"] == ["Penicillin"]
    assert body["data"]["current_medications"] == ["Metformin 500mg", "Lisinopril 10mg"]
    assert body["data"]["allergy_classes"] == ["J01C"]
    assert list(ChronicCondition.objects.filter(patient=patient).values_list("name", flat=True)) == [
        "Hypertension",
        "Diabetes",
    ]
    assert Allergy.objects.get(patient=patient).atc_class == "J01C"


def test_local_phone_numbers_are_stored_in_e164(nurse):
    response = bearer_client(nurse).post(
        "/api/patients", {**SPEC_PATIENT, "phone_number": "082 123 4567"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert str(Patient.objects.get().phone_number) == "+27821234567"
    assert response.json()["data"]["phone_number"] == "+27821234567"


def test_a_valid_sa_id_matching_birth_date_and_gender_is_accepted(clerk):
    response = bearer_client(clerk).post("/api/patients", {**SPEC_PATIENT, "id_number": JOHN_ID}, format="json")

    assert response.status_code == 201, response.content
    assert Patient.objects.get().id_number == JOHN_ID


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": JOHN_ID[:-1] + str((int(JOHN_ID[-1]) + 1) % 10)}, "check digit"),
        ({"id_number": "12345"}, "13 digits"),
        ({"id_number": JOHN_ID, "date_of_birth": "1991-05-15"}, "date of birth"),
        ({"id_number": JOHN_ID, "gender": "Female"}, "male"),
        ({"province": "Transvaal"}, "province"),
        ({"phone_number": "12"}, "phone_number"),
        ({"gender": "Unknown"}, "gender"),
        ({"first_name": ""}, "first_name"),
        ({"is_palmed_member": True, "medical_aid_number": ""}, "medical aid number"),
    ],
)
def test_bad_registrations_are_rejected_and_nothing_is_saved(clerk, changes, field):
    response = bearer_client(clerk).post("/api/patients", {**SPEC_PATIENT, **changes}, format="json")

    assert_error(response, 400, contains=field)
    assert Patient.objects.count() == 0
    assert ChronicCondition.objects.count() == 0


def test_a_passport_registers_a_non_citizen(clerk):
    response = bearer_client(clerk).post(
        "/api/patients", {**SPEC_PATIENT, "passport_number": "zw 1234567"}, format="json"
    )

    assert response.status_code == 201
    assert Patient.objects.get().passport_number == "ZW1234567"


def test_registering_the_same_sa_id_again_is_a_conflict_naming_the_patient(clerk):
    existing = PatientFactory(id_number=JOHN_ID, date_of_birth=datetime.date(1990, 5, 15))

    response = bearer_client(clerk).post(
        "/api/patients", {**SPEC_PATIENT, "id_number": JOHN_ID, "medical_aid_number": "OTHER1"}, format="json"
    )

    assert_error(response, 409, contains=f"patient #{existing.pk}")
    assert Patient.objects.count() == 1


def test_registering_the_same_medical_aid_number_again_is_a_conflict(clerk):
    existing = PatientFactory(medical_aid_number="PAL123456789")

    response = bearer_client(clerk).post(
        "/api/patients", {**SPEC_PATIENT, "medical_aid_number": "pal 123456789"}, format="json"
    )

    assert_error(response, 409, contains=existing.full_name)
    assert Patient.objects.count() == 1


def test_search_finds_patients_by_name_prefix_id_medical_aid_and_phone(doctor):
    john = PatientFactory(first_name="John", last_name="Doe", phone_number="+27821234567")
    johnny = PatientFactory(first_name="Johnny", last_name="Khumalo")
    PatientFactory(first_name="Peter", last_name="Johnson")
    other = PatientFactory(first_name="Nomsa", last_name="Zulu")
    client = bearer_client(doctor)

    def ids(term):
        response = client.get("/api/patients", {"search": term})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["data"]}

    assert ids("joh") >= {john.pk, johnny.pk} and other.pk not in ids("joh")
    assert ids("John Doe") == {john.pk}
    assert ids(john.id_number) == {john.pk}
    assert ids(john.medical_aid_number.lower()) == {john.pk}
    assert ids("082 123 4567") == {john.pk}
    assert ids("zzz") == set()


def test_patient_list_is_paginated_as_the_spec_shows(doctor):
    PatientFactory.create_batch(3)

    body = bearer_client(doctor).get("/api/patients", {"page": 1, "per_page": 2}).json()

    assert body["pagination"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert len(body["data"]) == 2


def test_every_patient_read_is_audit_logged_with_who(doctor):
    patients = PatientFactory.create_batch(2)
    client = bearer_client(doctor)
    content_type = ContentType.objects.get_for_model(Patient)

    client.get("/api/patients")
    client.get(f"/api/patients/{patients[0].pk}")

    reads = LogEntry.objects.filter(content_type=content_type, action=LogEntry.Action.ACCESS, actor=doctor)
    assert sorted(reads.values_list("object_id", flat=True)) == sorted([patients[0].pk, patients[0].pk, patients[1].pk])


def test_every_patient_change_is_audit_logged(nurse):
    patient = PatientFactory()

    response = bearer_client(nurse).patch(
        f"/api/patients/{patient.pk}", {"physical_address": "12 Long St"}, format="json"
    )

    assert response.status_code == 200, response.content
    entry = LogEntry.objects.get_for_object(patient).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == nurse and "physical_address" in entry.changes_dict


def test_patient_responses_are_never_cached(doctor):
    patient = PatientFactory()

    for path in ("/api/patients", f"/api/patients/{patient.pk}"):
        assert "no-store" in bearer_client(doctor).get(path)["Cache-Control"]


def test_updating_lists_replaces_them_and_leaves_omitted_ones(clerk):
    patient = PatientFactory()
    patient.set_health_lists(conditions=["Asthma"], allergies=["Sulfa"])

    response = bearer_client(clerk).patch(
        f"/api/patients/{patient.pk}", {"allergies": ["Penicillin", "Peanuts"]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["data"]["allergies"] == ["Penicillin", "Peanuts"]
    assert response.json()["data"]["chronic_conditions"] == ["Asthma"]
    assert dict(Allergy.objects.filter(patient=patient).values_list("substance", "atc_class")) == {
        "Penicillin": "J01C",
        "Peanuts": "",
    }


def test_changing_a_medical_aid_number_to_another_patients_is_a_conflict(clerk):
    taken = PatientFactory()
    patient = PatientFactory()

    response = bearer_client(clerk).patch(
        f"/api/patients/{patient.pk}", {"medical_aid_number": taken.medical_aid_number}, format="json"
    )

    assert_error(response, 409, contains=f"#{taken.pk}")


def test_a_missing_patient_is_404(doctor):
    assert_error(bearer_client(doctor).get("/api/patients/999999"), 404)


@pytest.mark.parametrize("size", [1, 50])
def test_patient_list_runs_a_constant_number_of_queries(doctor, django_assert_max_num_queries, size):
    for patient in PatientFactory.create_batch(size):
        patient.set_health_lists(conditions=["Asthma"], allergies=["Penicillin"], medications=["Salbutamol"])
    client = bearer_client(doctor)

    with django_assert_max_num_queries(9):
        response = client.get("/api/patients", {"per_page": 50})

    assert len(response.json()["data"]) == size


def test_reported_allergies_added_and_removed_are_in_the_audit_trail(clerk):
    patient = PatientFactory()
    patient.set_health_lists(allergies=["Sulfa"])
    sulfa = Allergy.objects.get()

    bearer_client(clerk).patch(f"/api/patients/{patient.pk}", {"allergies": ["Penicillin"]}, format="json")

    penicillin = Allergy.objects.get()
    assert LogEntry.objects.get_for_object(penicillin).filter(action=LogEntry.Action.CREATE, actor=clerk).exists()
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Allergy), object_id=sulfa.pk, action=LogEntry.Action.DELETE
    ).exists()
