"""The workflows the staff pages call directly, without the API in front of them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clinical import services
from clinical.choices import VisitStage
from clinical.models import Patient, Visit, VitalSigns
from clinical.tests.factories import PatientFactory, VisitFactory, medicine
from polmed.exceptions import ConflictError, RuleViolation
from scheduling.tests.factories import AppointmentSlotFactory

pytestmark = pytest.mark.django_db


def test_advance_to_refuses_a_user_without_the_stage_permission(clerk):
    visit = VisitFactory(stage=VisitStage.ASSESSMENT)

    with pytest.raises(PermissionDenied):
        visit.advance_to(by=clerk)
    assert Visit.objects.get().stage == VisitStage.ASSESSMENT


def test_advance_to_records_the_move_and_the_time_entered(nurse):
    visit = VisitFactory(stage=VisitStage.ASSESSMENT)
    before = visit.stage_entered_at

    change = visit.advance_to(by=nurse)

    assert (change.from_stage, change.to_stage, change.changed_by) == ("assessment", "consultation", nurse)
    assert visit.stage == "consultation" and visit.stage_entered_at > before


def test_record_on_visit_validates_before_saving(nurse):
    visit = VisitFactory()

    with pytest.raises(ValidationError):
        services.record_on_visit(VitalSigns, visit=visit, by=nurse, systolic_bp=900, diastolic_bp=80)
    assert VitalSigns.objects.count() == 0


def test_register_patient_refuses_unknown_fields(clerk):
    with pytest.raises(RuleViolation):
        services.register_patient(by=clerk, first_name="A", last_name="B", favourite_colour="blue")
    assert Patient.objects.count() == 0


def test_prescribe_without_the_override_permission_cannot_override(nurse):
    patient = PatientFactory()
    patient.set_health_lists(allergies=["Penicillin"])
    visit = VisitFactory(patient=patient)
    item = {
        "medicine": medicine("Amoxicillin", "500 mg"),
        "dose": "1",
        "frequency": "tds",
        "quantity": 15,
        "override_reason": "I insist",
    }

    with pytest.raises(PermissionDenied):
        services.prescribe(visit=visit, by=nurse, items=[item])


def test_dispense_refuses_roles_that_do_not_dispense(doctor, clerk):
    visit = VisitFactory()
    prescription = services.prescribe(
        visit=visit,
        by=doctor,
        items=[{"medicine": medicine("Paracetamol", "500 mg"), "dose": "1", "frequency": "od", "quantity": 1}],
    )

    with pytest.raises(PermissionDenied):
        services.dispense(prescription_item=prescription.items.get(), by=clerk)


def test_booking_a_patient_without_a_phone_number_is_refused(clerk):
    patient = PatientFactory(phone_number="")

    with pytest.raises(RuleViolation):
        services.book_for_patient(patient=patient, slot=AppointmentSlotFactory(), by=clerk)


def test_a_closed_visit_cannot_be_closed_again(nurse):
    visit = VisitFactory(stage=VisitStage.CLOSURE)
    visit.close(by=nurse)

    with pytest.raises(ConflictError):
        visit.close(by=nurse)


def test_formulary_entries_link_to_stock_items_by_name():
    from clinical.formulary import link_to_stock_items
    from clinical.models import Medicine
    from inventory.models import Item

    item = Item.objects.create(name="Amlodipine 5 mg tablet")
    Item.objects.create(name="Amlodipine 10 mg tablet")

    linked = link_to_stock_items(Medicine, Item)

    assert linked == 2
    assert medicine("Amlodipine", "5 mg").inventory_item == item
    assert medicine("Paracetamol", "500 mg").inventory_item is None
