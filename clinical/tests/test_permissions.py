"""Who may do what with clinical data: one declared matrix drives every access test."""

import json

import pytest
from django.utils import timezone

from accounts.choices import Role
from clinical.models import Prescription, PrescriptionItem
from clinical.tests.factories import PatientFactory, ReferralFactory, VisitFactory, medicine
from polmed.testing import MATRIX_ARGS, Access, assert_access, matrix_cases, roles
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, RouteStopFactory

pytestmark = pytest.mark.django_db

D, N, C, SW, IM = Role.DOCTOR, Role.NURSE, Role.CLERK, Role.SOCIAL_WORKER, Role.INVENTORY_MANAGER

NEW_PATIENT = {
    "first_name": "Lindiwe",
    "last_name": "Sithole",
    "date_of_birth": "1979-02-01",
    "gender": "Female",
    "province": "Gauteng",
    "chronic_conditions": ["HIV"],
    "allergies": ["Sulfa"],
    "current_medications": ["TLD"],
}

MATRIX = [
    Access("GET", "/api/patients", roles(D, N, C, SW)),
    Access("POST", "/api/patients", roles(D, N, C), NEW_PATIENT),
    Access("GET", "/api/patients/{patient}", roles(D, N, C, SW)),
    Access("PATCH", "/api/patients/{patient}", roles(D, N, C), {"physical_address": "3 Church St"}),
    Access("GET", "/api/patients/{patient}/visits", roles(D, N, C, SW)),
    Access("POST", "/api/patients/{patient}/visits", roles(D, N, C), {"visit_type": "walk-in"}),
    Access("GET", "/api/visits", roles(D, N, C, SW)),
    Access("GET", "/api/visits/{visit}", roles(D, N, C, SW)),
    Access("PATCH", "/api/visits/{visit}", roles(D, N, C), {"chief_complaint": "Cough"}),
    Access("POST", "/api/visits/{visit}/advance", roles(D, N, C), {}),
    Access("POST", "/api/visits/{visit}/close", roles(D, N), {}),
    Access("GET", "/api/visits/{visit}/vital-signs", roles(D, N)),
    Access("POST", "/api/visits/{visit}/vital-signs", roles(D, N), {"systolic_bp": 120, "diastolic_bp": 80}),
    Access("GET", "/api/visits/{visit}/soap-notes", roles(D, N)),
    Access("POST", "/api/visits/{visit}/soap-notes", roles(D), {"subjective": "Headache for 3 days"}),
    Access("GET", "/api/visits/{visit}/nursing-notes", roles(D, N)),
    Access("POST", "/api/visits/{visit}/nursing-notes", roles(D, N), {"text": "Triage: green"}),
    Access("GET", "/api/visits/{visit}/counseling-notes", roles(D, SW)),
    Access("POST", "/api/visits/{visit}/counseling-notes", roles(SW), {"text": "Discussed support group"}),
    Access("GET", "/api/visits/{visit}/diagnoses", roles(D, N)),
    Access("POST", "/api/visits/{visit}/diagnoses", roles(D), {"code": "I10", "rank": "primary"}),
    Access("GET", "/api/icd10?search=asthma", roles(D, N)),
    Access("GET", "/api/visits/{visit}/prescriptions", roles(D, N)),
    Access(
        "POST",
        "/api/visits/{visit}/prescriptions",
        roles(D),
        {"items": [{"medicine_id": "{paracetamol}", "dose": "1 g", "frequency": "6-hourly", "quantity": 20}]},
    ),
    Access("GET", "/api/formulary", roles(D, N, IM)),
    Access("PATCH", "/api/formulary/{paracetamol}", roles(IM), {"is_active": True}),
    Access("GET", "/api/patients/{patient}/referrals", roles(D, N, SW)),
    Access(
        "POST",
        "/api/patients/{patient}/referrals",
        roles(D, SW),
        {"referral_type": "external", "external_provider": "SASSA", "reason": "Grant application"},
    ),
    Access("GET", "/api/prescription-items/{item}", roles(D, N)),
    Access("POST", "/api/prescription-items/{item}/dispense", roles(D, N), {}),
    Access("GET", "/api/patients/{patient}/appointments", roles(D, N, C)),
    Access("POST", "/api/patients/{patient}/appointments", roles(D, N, C), {"slot": "{slot}"}),
    Access("POST", "/api/appointments/{appointment}/check-in", roles(D, N, C), {"patient_id": "{patient}"}),
    Access("GET", "/api/referrals", roles(D, N, SW)),
    Access("GET", "/api/referrals/{referral}", roles(D, N, SW)),
    Access("POST", "/api/referrals/{referral}/status", roles(D, SW), {"status": "sent"}),
    Access("POST", "/api/referrals/{referral}/feedback", roles(D, SW), {"feedback": "Seen"}),
]


def _fill(value, names):
    if isinstance(value, str):
        return int(value.format(**names)) if value.startswith("{") else value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


@pytest.mark.parametrize(MATRIX_ARGS, matrix_cases(MATRIX))
def test_role_matrix(client_for, access, role, allowed):
    patient = PatientFactory()
    visit = VisitFactory(patient=patient)
    paracetamol = medicine("Paracetamol", "500 mg")
    names = {"patient": patient.pk, "visit": visit.pk, "paracetamol": paracetamol.pk}
    wanted = access.path + json.dumps(access.payload)
    if "{referral}" in wanted:
        names["referral"] = ReferralFactory(patient=patient).pk
    if "{item}" in wanted:
        names["item"] = PrescriptionItem.objects.create(
            prescription=Prescription.objects.create(visit=visit),
            medicine=paracetamol,
            dose="1 g",
            frequency="qid",
            quantity=4,
        ).pk
    if "{slot}" in wanted:
        names["slot"] = AppointmentSlotFactory().pk
    if "{appointment}" in wanted:
        names["appointment"] = AppointmentFactory(
            slot=AppointmentSlotFactory(stop=RouteStopFactory(date=timezone.localdate(), slots=False))
        ).pk
    path = access.path.format(**names)
    client = client_for(role)

    response = client.generic(
        access.method,
        path,
        data=json.dumps(_fill(access.payload, names)) if access.payload else "",
        content_type="application/json",
    )

    assert_access(response, allowed)
    if allowed:
        assert response.status_code < 400 or response.status_code == 409, response.content[:300]


def test_anonymous_callers_get_401(api_client, db):
    assert api_client.get("/api/patients").status_code == 401


def test_patient_records_are_never_deleted_through_the_api(administrator):
    from conftest import bearer_client

    patient = PatientFactory()

    assert bearer_client(administrator).delete(f"/api/patients/{patient.pk}").status_code == 405
    assert type(patient).objects.filter(pk=patient.pk).exists()
