import pytest

from clinical import services
from clinical.models import Referral, ReferralStatusChange
from clinical.tests.factories import PatientFactory, ReferralFactory, VisitFactory
from conftest import bearer_client
from polmed.testing import assert_error

pytestmark = pytest.mark.django_db

SPEC_REFERRAL = {
    "referral_type": "external",
    "from_stage": "Doctor Consultation",
    "external_provider": "City Hospital",
    "department": "Cardiology",
    "reason": "Cardiac evaluation needed",
    "urgency": "routine",
    "appointment_date": "2025-11-10",
}


def test_the_spec_referral_request_creates_a_pending_referral(doctor):
    patient = PatientFactory()

    response = bearer_client(doctor).post(f"/api/patients/{patient.pk}/referrals", SPEC_REFERRAL, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["message"] == "Referral created successfully"
    referral = Referral.objects.get()
    assert (referral.patient, referral.status, referral.external_provider, referral.created_by) == (
        patient,
        "pending",
        "City Hospital",
        doctor,
    )
    assert list(referral.status_changes.values_list("from_status", "to_status")) == [("", "pending")]


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"urgency": "whenever"}, "urgency"),
        ({"reason": ""}, "reason"),
        ({"external_provider": ""}, "external_provider"),
        ({"referral_type": "internal", "department": ""}, "department"),
        ({"appointment_date": "10/11/2025"}, "appointment_date"),
    ],
)
def test_bad_referrals_are_rejected_and_nothing_is_saved(social_worker, changes, text):
    patient = PatientFactory()

    response = bearer_client(social_worker).post(
        f"/api/patients/{patient.pk}/referrals", {**SPEC_REFERRAL, **changes}, format="json"
    )

    assert_error(response, 400, contains=text)
    assert Referral.objects.count() == 0


def test_a_referral_from_another_patients_visit_is_rejected(doctor):
    patient = PatientFactory()
    other_visit = VisitFactory()

    response = bearer_client(doctor).post(
        f"/api/patients/{patient.pk}/referrals", {**SPEC_REFERRAL, "visit_id": other_visit.pk}, format="json"
    )

    assert_error(response, 400, contains="another patient")
    assert Referral.objects.count() == 0


def test_a_referral_follows_its_trail_to_attended_with_feedback(doctor, social_worker):
    referral = services.refer(patient=PatientFactory(), by=doctor, **{**SPEC_REFERRAL, "appointment_date": None})
    client = bearer_client(social_worker)

    assert client.post(f"/api/referrals/{referral.pk}/status", {"status": "sent"}, format="json").status_code == 200
    booked = client.post(
        f"/api/referrals/{referral.pk}/status",
        {"status": "appointment_booked", "appointment_date": "2026-12-20"},
        format="json",
    )
    assert booked.status_code == 200
    assert client.post(f"/api/referrals/{referral.pk}/status", {"status": "attended"}, format="json").status_code == 200
    feedback = client.post(f"/api/referrals/{referral.pk}/feedback", {"feedback": "Echo normal"}, format="json")

    assert feedback.status_code == 200
    referral.refresh_from_db()
    assert (referral.status, referral.feedback, str(referral.appointment_date)) == (
        "attended",
        "Echo normal",
        "2026-12-20",
    )
    assert list(ReferralStatusChange.objects.filter(referral=referral).values_list("to_status", "changed_by")) == [
        ("pending", doctor.pk),
        ("sent", social_worker.pk),
        ("appointment_booked", social_worker.pk),
        ("attended", social_worker.pk),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [("pending", "attended"), ("pending", "appointment_booked"), ("attended", "cancelled"), ("cancelled", "sent")],
)
def test_a_referral_cannot_jump_its_trail(doctor, start, target):
    referral = ReferralFactory(status=start, appointment_date="2026-12-20")

    response = bearer_client(doctor).post(f"/api/referrals/{referral.pk}/status", {"status": target}, format="json")

    assert_error(response, 409)
    assert Referral.objects.get().status == start


def test_booking_a_referral_appointment_needs_a_date(doctor):
    referral = ReferralFactory(status="sent", appointment_date=None)

    response = bearer_client(doctor).post(
        f"/api/referrals/{referral.pk}/status", {"status": "appointment_booked"}, format="json"
    )

    assert_error(response, 400, contains="appointment_date")


def test_feedback_on_an_unsent_referral_is_a_conflict(doctor):
    referral = ReferralFactory()

    assert_error(bearer_client(doctor).post(f"/api/referrals/{referral.pk}/feedback", {"feedback": "x"}), 409)


def test_the_referral_list_shows_open_ones_by_default_and_filters_by_status(doctor):
    open_ones = [ReferralFactory(status=s) for s in ("pending", "sent", "appointment_booked")]
    closed = [ReferralFactory(status=s) for s in ("attended", "cancelled", "no_show")]
    client = bearer_client(doctor)

    def ids(**params):
        response = client.get("/api/referrals", params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["data"]}

    assert ids() == {r.pk for r in open_ones}
    assert ids(status="no_show") == {closed[2].pk}
    assert ids(status="all") == {r.pk for r in open_ones + closed}
    assert_error(client.get("/api/referrals", {"status": "lost"}), 400)


def test_a_missing_referral_is_404(doctor):
    assert_error(bearer_client(doctor).post("/api/referrals/999999/status", {"status": "sent"}), 404)
    assert_error(bearer_client(doctor).post("/api/patients/999999/referrals", SPEC_REFERRAL, format="json"), 404)


@pytest.mark.parametrize("size", [1, 50])
def test_the_referral_list_runs_a_constant_number_of_queries(doctor, django_assert_max_num_queries, size):
    ReferralFactory.create_batch(size)
    client = bearer_client(doctor)

    with django_assert_max_num_queries(8):
        response = client.get("/api/referrals", {"per_page": 50})

    assert len(response.json()["data"]) == size
