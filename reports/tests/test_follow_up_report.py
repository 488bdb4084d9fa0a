"""The one identifiable report: open referrals to follow up, for clinical roles, audited."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from accounts.choices import Role
from clinical.choices import ReferralStatus, Urgency
from clinical.models import Patient, Referral
from clinical.tests.factories import PatientFactory, ReferralFactory
from polmed.testing import assert_access
from reports.framework import REGISTRY

pytestmark = pytest.mark.django_db

URL = "/api/reports/referral-follow-up"


@pytest.fixture
def referrals():
    now = timezone.now()
    old = PatientFactory(first_name="Nomvula", last_name="Zulu", phone_number="+27821234567")
    recent = PatientFactory(first_name="Sizwe", last_name="Khoza")
    closed = PatientFactory(first_name="Closed", last_name="Case")
    made = [
        (ReferralFactory(patient=recent, urgency=Urgency.URGENT, status=ReferralStatus.SENT), now - timedelta(days=2)),
        (ReferralFactory(patient=old, status=ReferralStatus.PENDING), now - timedelta(days=20)),
        (ReferralFactory(patient=closed, status=ReferralStatus.ATTENDED), now - timedelta(days=10)),
    ]
    for referral, created_at in made:
        Referral.objects.filter(pk=referral.pk).update(created_at=created_at)
    return old, recent


@pytest.mark.parametrize("role", list(Role))
def test_only_clinical_roles_open_it(client_for, role):
    allowed = role in (Role.ADMINISTRATOR, Role.DOCTOR, Role.NURSE, Role.SOCIAL_WORKER)
    assert_access(client_for(role).get(URL), allowed)


def test_it_lists_open_referrals_oldest_first_with_whom_to_call(referrals, client_for):
    rows = client_for(Role.SOCIAL_WORKER).get(URL).json()["data"]["rows"]
    assert [(r["patient"], r["days_open"], r["urgency"], r["status"]) for r in rows] == [
        ("Nomvula Zulu", 20, "Routine", "Pending"),
        ("Sizwe Khoza", 2, "Urgent", "Sent"),
    ]
    assert rows[0]["phone"] == "082 123 4567"
    assert "patient_record" not in rows[0]


def test_every_patient_listed_is_audited_as_read_by_the_user(referrals, client_for, user_with_role):
    from conftest import bearer_client

    worker = user_with_role(Role.SOCIAL_WORKER)
    bearer_client(worker).get(URL)
    bearer_client(worker).get(f"{URL}/csv")
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=worker)
    listed = {str(p.pk) for p in referrals}
    assert sorted(reads.values_list("object_pk", flat=True)) == sorted([*listed, *listed])
    assert set(reads.values_list("content_type__model", flat=True)) == {"patient"}


def test_it_is_never_cached(referrals, client_for, client, user_with_role):
    assert client_for(Role.DOCTOR).get(URL)["Cache-Control"] == "no-store"
    assert client_for(Role.DOCTOR).get(f"{URL}/csv")["Cache-Control"] == "no-store"
    client.force_login(user_with_role(Role.NURSE))
    page = client.get("/reports/referral-follow-up/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Nomvula Zulu" in page.content.decode()


def test_aggregate_reports_are_not_marked_no_store(client_for):
    assert "no-store" not in client_for(Role.VIEWER).get("/api/reports/visits").get("Cache-Control", "")


@pytest.mark.parametrize("n", [10, 1000])
def test_the_query_count_is_constant(django_assert_num_queries, n):
    patients = Patient.objects.bulk_create(
        Patient(first_name="B", last_name=f"P{i}", date_of_birth="1990-01-01", gender="Male") for i in range(n)
    )
    patients = list(Patient.objects.all())
    Referral.objects.bulk_create(
        Referral(patient=p, referral_type="external", external_provider="Hospital", reason="x") for p in patients
    )
    report = REGISTRY["referral-follow-up"]
    with django_assert_num_queries(1):
        rows = report.rows(report.parse_filters({}))
    assert len(rows) == min(n, report.limit)


def test_no_report_finance_or_viewers_may_open_is_identifiable(user_with_role):
    for role in (Role.FINANCE, Role.VIEWER, Role.INVENTORY_MANAGER):
        user = user_with_role(role)
        assert not [r.slug for r in REGISTRY.values() if user.has_perm(r.permission) and r.identifiable]
