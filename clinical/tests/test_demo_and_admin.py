import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from clinical.choices import ReferralStatus, VisitStage
from clinical.models import Dispensation, Patient, Referral, Visit, VitalSigns
from clinical.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_clinical_data_in_every_stage_and_status_and_is_idempotent():
    call_command("seed_demo", password="demo-pass-123", verbosity=0)
    counts = (Patient.objects.count(), Visit.objects.count(), Referral.objects.count(), Dispensation.objects.count())
    call_command("seed_demo", password="demo-pass-123", verbosity=0)

    assert (
        Patient.objects.count(),
        Visit.objects.count(),
        Referral.objects.count(),
        Dispensation.objects.count(),
    ) == counts
    assert counts[0] >= 200
    assert Patient.objects.search("John").count() >= 2
    today = Visit.objects.filter(visit_date=timezone.localdate())
    assert set(today.open().values_list("stage", flat=True)) == set(VisitStage.values)
    assert today.filter(closed_at__isnull=False).exists()
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert VitalSigns.objects.exists() and Dispensation.objects.exists()


def test_an_administrator_reading_a_patient_in_the_back_office_is_audited(client, administrator):
    patient = PatientFactory()
    client.force_login(administrator)

    response = client.get(f"/admin/clinical/patient/{patient.pk}/change/")

    assert response.status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_id=patient.pk, actor=administrator).exists()


@pytest.mark.parametrize(
    "path",
    [
        "patient",
        "visit",
        "vitalsigns",
        "consultationnote",
        "counselingnote",
        "diagnosis",
        "medicine",
        "prescription",
        "dispensation",
        "referral",
        "patientappointment",
    ],
)
def test_the_clinical_admin_pages_open(client, administrator, path):
    client.force_login(administrator)

    assert client.get(f"/admin/clinical/{path}/").status_code == 200


def test_notes_are_read_only_in_the_back_office(client, administrator):
    client.force_login(administrator)

    assert client.get("/admin/clinical/consultationnote/add/").status_code == 403


def test_the_clinical_back_office_is_for_administrators_only(client, inventory_manager):
    client.force_login(inventory_manager)

    assert "clinical" not in [app["app_label"] for app in client.get("/admin/").context["app_list"]]
    assert client.get("/admin/clinical/medicine/").status_code == 403
