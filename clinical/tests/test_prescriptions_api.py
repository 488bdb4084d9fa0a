import threading

import pytest
from auditlog.models import LogEntry
from django.db import connection

from clinical.choices import VisitStage
from clinical.models import Dispensation, Prescription, PrescriptionItem
from clinical.tests.factories import PatientFactory, VisitFactory, medicine, stock_medicine, van_route
from conftest import bearer_client
from inventory.models import Batch, StockMovement
from polmed.testing import assert_error

pytestmark = pytest.mark.django_db


def _item(med, **extra):
    return {
        "medicine_id": med.pk,
        "dose": "500 mg",
        "frequency": "8-hourly",
        "duration": "5 days",
        "quantity": 15,
        **extra,
    }


@pytest.fixture
def allergic_visit():
    patient = PatientFactory()
    patient.set_health_lists(allergies=["Penicillin"])
    return VisitFactory(patient=patient, stage=VisitStage.CONSULTATION)


def test_doctors_prescribe_from_the_formulary(doctor):
    visit = VisitFactory()
    paracetamol = medicine("Paracetamol", "500 mg")

    response = bearer_client(doctor).post(
        f"/api/visits/{visit.pk}/prescriptions", {"items": [_item(paracetamol)], "notes": "PRN"}, format="json"
    )

    assert response.status_code == 201, response.content
    item = PrescriptionItem.objects.get()
    assert (item.medicine, item.quantity, item.prescription.prescribed_by) == (paracetamol, 15, doctor)
    assert response.json()["data"]["items"][0]["atc_code"] == "N02BE01"


def test_a_drug_in_an_allergy_class_is_refused_without_an_override(doctor, allergic_visit):
    amoxicillin = medicine("Amoxicillin", "500 mg")

    response = bearer_client(doctor).post(
        f"/api/visits/{allergic_visit.pk}/prescriptions", {"items": [_item(amoxicillin)]}, format="json"
    )

    assert_error(response, 409, contains="allergic to Penicillin")
    assert Prescription.objects.count() == 0 and PrescriptionItem.objects.count() == 0


def test_a_doctor_may_override_an_allergy_with_a_recorded_reason(doctor, allergic_visit):
    amoxicillin = medicine("Amoxicillin", "500 mg")

    response = bearer_client(doctor).post(
        f"/api/visits/{allergic_visit.pk}/prescriptions",
        {"items": [_item(amoxicillin, override_reason="Tolerated amoxicillin in 2024; rash was viral")]},
        format="json",
    )

    assert response.status_code == 201, response.content
    item = PrescriptionItem.objects.get()
    assert item.override_reason.startswith("Tolerated") and item.overridden_by == doctor
    assert "Penicillin" in item.allergy_warning
    assert LogEntry.objects.get_for_object(item).filter(action=LogEntry.Action.CREATE).exists()


def test_an_unrelated_class_is_not_refused(doctor, allergic_visit):
    response = bearer_client(doctor).post(
        f"/api/visits/{allergic_visit.pk}/prescriptions",
        {"items": [_item(medicine("Azithromycin"))]},
        format="json",
    )

    assert response.status_code == 201


def test_one_refused_item_refuses_the_whole_prescription(doctor, allergic_visit):
    items = [_item(medicine("Paracetamol", "500 mg")), _item(medicine("Flucloxacillin"))]

    response = bearer_client(doctor).post(
        f"/api/visits/{allergic_visit.pk}/prescriptions", {"items": items}, format="json"
    )

    assert_error(response, 409)
    assert PrescriptionItem.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        ({"items": []}, "at least one"),
        ({"items": [{"medicine_id": 999999, "dose": "1", "frequency": "od", "quantity": 1}]}, "medicine_id"),
        ({"items": [{"dose": "1", "frequency": "od", "quantity": 0}]}, "quantity"),
    ],
)
def test_bad_prescriptions_are_400_and_nothing_is_saved(doctor, payload, text):
    visit = VisitFactory()

    assert_error(bearer_client(doctor).post(f"/api/visits/{visit.pk}/prescriptions", payload, format="json"), 400)
    assert Prescription.objects.count() == 0


def test_a_closed_visit_takes_no_prescription(doctor):
    from django.utils import timezone

    visit = VisitFactory(stage=VisitStage.CLOSURE, closed_at=timezone.now())

    response = bearer_client(doctor).post(
        f"/api/visits/{visit.pk}/prescriptions", {"items": [_item(medicine("Paracetamol", "500 mg"))]}, format="json"
    )

    assert_error(response, 409, contains="closed")
    assert Prescription.objects.count() == 0


def _prescribe(doctor, visit, med, quantity):
    response = bearer_client(doctor).post(
        f"/api/visits/{visit.pk}/prescriptions", {"items": [_item(med, quantity=quantity)]}, format="json"
    )
    assert response.status_code == 201, response.content
    return PrescriptionItem.objects.get(pk=response.json()["data"]["items"][0]["id"])


def test_nurses_dispense_from_the_visits_van_recording_batch_and_who(doctor, nurse):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_item = stock_medicine(
        paracetamol, location=route.mobile_unit.stock_location, quantity=10, by=nurse, batch_number="EARLY", days=30
    )
    stock_medicine(
        paracetamol, location=route.mobile_unit.stock_location, quantity=50, by=nurse, batch_number="LATE", days=300
    )
    item = _prescribe(doctor, VisitFactory(route=route), paracetamol, 15)

    response = bearer_client(nurse).post(f"/api/prescription-items/{item.pk}/dispense", {}, format="json")

    assert response.status_code == 201, response.content
    assert [(row["batch_number"], row["quantity"]) for row in response.json()["data"]] == [("EARLY", 10), ("LATE", 5)]
    assert set(Dispensation.objects.values_list("dispensed_by", flat=True)) == {nurse.pk}
    assert dict(Batch.objects.filter(item=stock_item).values_list("batch_number", "quantity")) == {
        "EARLY": 0,
        "LATE": 45,
    }
    item.refresh_from_db()
    assert item.quantity_dispensed == 15


def test_a_shortage_is_409_and_nothing_is_recorded(doctor, nurse):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=route.mobile_unit.stock_location, quantity=5, by=nurse)
    item = _prescribe(doctor, VisitFactory(route=route), paracetamol, 15)
    movements_before = StockMovement.objects.count()

    response = bearer_client(nurse).post(f"/api/prescription-items/{item.pk}/dispense", {}, format="json")

    assert_error(response, 409, contains="5 available")
    assert Dispensation.objects.count() == 0
    assert StockMovement.objects.count() == movements_before
    assert Batch.objects.get().quantity == 5
    item.refresh_from_db()
    assert item.quantity_dispensed == 0


def test_part_dispensing_then_the_rest_and_never_more_than_prescribed(doctor, nurse):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=route.mobile_unit.stock_location, quantity=100, by=nurse)
    item = _prescribe(doctor, VisitFactory(route=route), paracetamol, 15)
    client = bearer_client(nurse)

    assert (
        client.post(f"/api/prescription-items/{item.pk}/dispense", {"quantity": 10}, format="json").status_code == 201
    )
    assert_error(
        client.post(f"/api/prescription-items/{item.pk}/dispense", {"quantity": 6}, format="json"),
        409,
        contains="Only 5",
    )
    assert client.post(f"/api/prescription-items/{item.pk}/dispense", {}, format="json").status_code == 201
    assert_error(client.post(f"/api/prescription-items/{item.pk}/dispense", {}, format="json"), 409, contains="in full")
    assert Batch.objects.get().quantity == 85


def test_dispensing_on_a_visit_without_a_van_is_a_clear_409(doctor, nurse):
    item = _prescribe(doctor, VisitFactory(route=None), medicine("Paracetamol", "500 mg"), 5)

    assert_error(bearer_client(nurse).post(f"/api/prescription-items/{item.pk}/dispense"), 409, contains="van")


def test_dispensing_a_medicine_not_linked_to_stock_is_a_clear_409(doctor, nurse):
    item = _prescribe(doctor, VisitFactory(route=van_route()), medicine("Ibuprofen", "400 mg"), 5)

    assert_error(bearer_client(nurse).post(f"/api/prescription-items/{item.pk}/dispense"), 409, contains="not linked")


@pytest.mark.parametrize("role", ["clerk", "social_worker", "finance", "viewer", "inventory_manager"])
def test_only_nurses_and_doctors_dispense(doctor, client_for, role):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=route.mobile_unit.stock_location, quantity=10, by=doctor)
    item = _prescribe(doctor, VisitFactory(route=route), paracetamol, 5)

    assert_error(client_for(role).post(f"/api/prescription-items/{item.pk}/dispense"), 403)
    assert Dispensation.objects.count() == 0


def test_dispensing_a_missing_item_is_404(nurse):
    assert_error(bearer_client(nurse).post("/api/prescription-items/999999/dispense"), 404)


@pytest.mark.parametrize("size", [1, 50])
def test_prescription_list_runs_a_constant_number_of_queries(doctor, nurse, django_assert_max_num_queries, size):
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=route.mobile_unit.stock_location, quantity=1000, by=nurse)
    visit = VisitFactory(route=route)
    for _ in range(size):
        from clinical import services

        prescription = services.prescribe(
            visit=visit, by=doctor, items=[{"medicine": paracetamol, "dose": "1", "frequency": "od", "quantity": 2}]
        )
        services.dispense(prescription_item=prescription.items.get(), by=nurse, quantity=1)
    client = bearer_client(nurse)

    with django_assert_max_num_queries(10):
        response = client.get(f"/api/visits/{visit.pk}/prescriptions", {"per_page": 50})

    assert len(response.json()["data"]) == size


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises writers; row locks need MariaDB")
def test_32_concurrent_dispense_requests_never_oversell(user_with_role):
    from clinical import services

    doctor, nurse = user_with_role("doctor"), user_with_role("nurse")
    route = van_route()
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=route.mobile_unit.stock_location, quantity=10, by=nurse)
    items = [
        services.prescribe(
            visit=VisitFactory(route=route),
            by=doctor,
            items=[{"medicine": paracetamol, "dose": "1 g", "frequency": "6-hourly", "quantity": 1}],
        ).items.get()
        for _ in range(32)
    ]
    barrier = threading.Barrier(len(items))
    statuses = []

    def worker(item):
        try:
            client = bearer_client(nurse)
            barrier.wait()
            statuses.append(client.post(f"/api/prescription-items/{item.pk}/dispense", {}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] * 10 + [409] * 22
    assert Batch.objects.get().quantity == 0
    assert Dispensation.objects.count() == 10
    assert PrescriptionItem.objects.filter(quantity_dispensed=1).count() == 10
