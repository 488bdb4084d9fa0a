"""Clinical workflows, called alike by the API, the staff pages and the admin.

Each function takes keyword arguments, runs in one transaction, and raises
`polmed.exceptions.ConflictError` (409), `RuleViolation` or Django's `ValidationError` (400)
or `PermissionDenied` (403) instead of saving half a change.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from clinical.choices import ReferralStatus, VisitStage, VisitType
from clinical.models import (
    Dispensation,
    Medicine,
    Patient,
    PatientAppointment,
    Prescription,
    PrescriptionItem,
    Referral,
    ReferralStatusChange,
    Visit,
    VisitStageChange,
)
from clinical.models.prescriptions import allergy_conflict
from clinical.models.records import VisitNote
from inventory import services as stock
from polmed.exceptions import ConflictError, RuleViolation
from scheduling import services as scheduling
from scheduling.choices import BookingChannel
from scheduling.models import Appointment, AppointmentSlot

PATIENT_FIELDS = {f.name for f in Patient._meta.concrete_fields} - {"id", "created_by", "created_at", "updated_at"}


def _duplicate_conflict(existing: Patient) -> ConflictError:
    return ConflictError(
        f"This patient is already registered as patient #{existing.pk} ({existing.full_name}); "
        "open that record instead of registering again.",
        code="duplicate_patient",
    )


def _save_patient(patient: Patient, *, conditions, allergies, medications) -> Patient:
    patient.full_clean(validate_unique=False)
    existing = patient.duplicate_of()
    if existing is not None:
        raise _duplicate_conflict(existing)
    try:
        with transaction.atomic():
            patient.save()
            patient.set_health_lists(conditions=conditions, allergies=allergies, medications=medications)
    except IntegrityError as error:
        # Two clerks registering the same person at the same moment: the unique index decides.
        existing = patient.duplicate_of()
        if existing is not None:
            raise _duplicate_conflict(existing) from error
        raise
    return patient


def register_patient(*, by, conditions=(), allergies=(), medications=(), **fields) -> Patient:
    """Register a new patient with the conditions, allergies and medicines they report."""
    unknown = set(fields) - PATIENT_FIELDS
    if unknown:
        raise RuleViolation(f"Unknown patient fields: {', '.join(sorted(unknown))}.")
    patient = Patient(created_by=by, **fields)
    return _save_patient(patient, conditions=conditions, allergies=allergies, medications=medications)


def update_patient(patient: Patient, *, by, conditions=None, allergies=None, medications=None, **fields) -> Patient:
    """Correct a patient's details; lists given replace the recorded ones, lists omitted stay."""
    unknown = set(fields) - PATIENT_FIELDS
    if unknown:
        raise RuleViolation(f"Unknown patient fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(patient, name, value)
    return _save_patient(patient, conditions=conditions, allergies=allergies, medications=medications)


def open_visit(
    *,
    patient: Patient,
    by,
    visit_type: str,
    chief_complaint: str = "",
    visit_date=None,
    visit_time=None,
    route=None,
    location=None,
) -> Visit:
    """Open a visit at the registration stage (the first stage change records who opened it)."""
    now = timezone.now()
    visit = Visit(
        patient=patient,
        visit_type=visit_type,
        chief_complaint=chief_complaint,
        visit_date=visit_date or timezone.localdate(),
        visit_time=visit_time or timezone.localtime(now).time().replace(second=0, microsecond=0),
        route=route,
        location=location,
        stage=VisitStage.REGISTRATION,
        stage_entered_at=now,
        created_by=by,
    )
    visit.full_clean()
    with transaction.atomic():
        visit.save()
        VisitStageChange.objects.create(
            visit=visit, from_stage="", to_stage=VisitStage.REGISTRATION, changed_by=by, changed_at=now
        )
    return visit


def record_on_visit(model: type[models.Model], *, visit: Visit, by, **fields) -> models.Model:
    """Add a vital-signs reading, a note or a diagnosis to an open visit, attributed to `by`.

    A closed visit takes only notes, kept as amendments; anything else is a 409."""
    record = model(visit=visit, recorded_by=by, recorded_at=timezone.now(), **fields)
    record.full_clean(exclude=["visit"], validate_constraints=False)
    with transaction.atomic():
        # Locking the visit makes "closed" final: nothing but an amendment is added after the close commits.
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.is_closed and issubclass(model, VisitNote):
            record.is_amendment = True
        else:
            locked.ensure_open()
        record.check_against_visit()
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError as error:
            raise ConflictError("This visit already has a primary diagnosis; add this one as secondary.") from error
    return record


def prescribe(*, visit: Visit, by, items: list[dict], notes: str = "") -> Prescription:
    """Write a prescription. An item whose drug class matches a recorded allergy is refused (409)
    unless it carries an `override_reason` from someone allowed to override."""
    if not items:
        raise RuleViolation("A prescription needs at least one medicine.", field="items")
    allergies = list(visit.patient.allergies.all())
    rows = []
    for index, item in enumerate(items):
        medicine: Medicine = item["medicine"]
        if not medicine.is_active:
            raise RuleViolation(f"{medicine} is no longer on the formulary.", field=f"items.{index}.medicine")
        warning = allergy_conflict(allergies, medicine)
        reason = (item.get("override_reason") or "").strip()
        if warning and not reason:
            raise ConflictError(
                f"{warning} Prescribing it needs a doctor's override with a reason (override_reason).",
                code="allergy",
            )
        if warning and not by.has_perm("clinical.override_allergy"):
            raise PermissionDenied("Only a doctor may override an allergy warning.")
        rows.append(
            PrescriptionItem(
                medicine=medicine,
                dose=item["dose"],
                frequency=item["frequency"],
                duration=item.get("duration", ""),
                quantity=item["quantity"],
                instructions=item.get("instructions", ""),
                allergy_warning=warning[:200] if warning else "",
                override_reason=reason if warning else "",
                overridden_by=by if warning else None,
            )
        )
    with transaction.atomic():
        Visit.objects.select_for_update().get(pk=visit.pk).ensure_open()
        prescription = Prescription.objects.create(visit=visit, prescribed_by=by, notes=notes)
        for row in rows:
            row.prescription = prescription
            row.full_clean()
            row.save()
    return prescription


def refer(*, patient: Patient, by, visit: Visit | None = None, **fields) -> Referral:
    """Refer a patient on; the referral starts as pending with the first step of its trail."""
    if visit is not None and visit.patient_id != patient.pk:
        raise RuleViolation("That visit belongs to another patient.", field="visit_id")
    referral = Referral(patient=patient, visit=visit, created_by=by, **fields)
    referral.full_clean()
    with transaction.atomic():
        referral.save()
        ReferralStatusChange.objects.create(
            referral=referral, from_status="", to_status=ReferralStatus.PENDING, changed_by=by
        )
    return referral


def dispense(*, prescription_item: PrescriptionItem, by, quantity: int | None = None) -> list[Dispensation]:
    """Hand out a prescription item (by default all that is outstanding) from the visit's van.

    Stock leaves first-expiry-first-out through the inventory stock service; each batch used is
    recorded with who dispensed it. On a shortage nothing is recorded (InsufficientStock, 409).
    Locks in a fixed order: visit, prescription item, then the stock service's batches.
    """
    if not by.has_perm("clinical.add_dispensation"):
        raise PermissionDenied("Only nurses and doctors dispense medicines.")
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update()
            .select_related("route__mobile_unit__stock_location")
            .get(pk=prescription_item.prescription.visit_id)
        )
        visit.ensure_open()
        item = (
            PrescriptionItem.objects.select_for_update()
            .select_related("medicine__inventory_item")
            .get(pk=prescription_item.pk)
        )
        outstanding = item.quantity_outstanding
        if quantity is None:
            quantity = outstanding
        if outstanding == 0:
            raise ConflictError("This prescription item has already been dispensed in full.", code="dispensed")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise RuleViolation("The quantity must be a whole number greater than zero.", field="quantity")
        if quantity > outstanding:
            raise ConflictError(
                f"Only {outstanding} of {item.quantity} remain to be dispensed on this prescription item.",
                code="over_dispense",
            )
        location = visit.stock_location
        if location is None:
            raise ConflictError(
                "This visit is not on a route served by a van, so there is no stock to dispense from.",
                code="no_van",
            )
        stock_item = item.medicine.inventory_item
        if stock_item is None:
            raise ConflictError(
                f"{item.medicine} is not linked to a stock item; ask the inventory manager to link it.",
                code="no_stock_item",
            )
        movements = stock.dispense(
            item=stock_item,
            location=location,
            quantity=quantity,
            by=by,
            reference=f"Visit {visit.pk} / prescription item {item.pk}",
        )
        now = timezone.now()
        rows = [
            Dispensation.objects.create(
                prescription_item=item,
                stock_movement=movement,
                batch_id=movement.batch_id,
                quantity=-movement.quantity,
                dispensed_by=by,
                dispensed_at=now,
            )
            for movement in movements
        ]
        PrescriptionItem.objects.filter(pk=item.pk).update(quantity_dispensed=F("quantity_dispensed") + quantity)
    prescription_item.quantity_dispensed = item.quantity_dispensed + quantity
    return rows


def find_patient_for(appointment: Appointment) -> Patient | None:
    """The registered patient a booking names: by its SA ID number, then its medical aid number."""
    link = PatientAppointment.objects.filter(appointment=appointment).select_related("patient").first()
    if link is not None:
        return link.patient
    if appointment.sa_id_number:
        found = Patient.objects.filter(id_number=appointment.sa_id_number).first()
        if found:
            return found
    if appointment.medical_aid_number:
        return Patient.objects.filter(
            medical_aid_number=appointment.medical_aid_number.upper().replace(" ", "")
        ).first()
    return None


def check_in(
    *, appointment: Appointment, by, patient: Patient | None = None, registration: dict | None = None
) -> Visit:
    """The booked person has arrived: link the booking to a patient (the one given, the one its
    SA ID or medical aid number finds, or a new registration), mark it checked in and open a
    visit at registration for the stop's route and location. All or nothing."""
    with transaction.atomic():
        existing = PatientAppointment.objects.select_for_update().filter(appointment=appointment).first()
        if existing is not None and existing.visit_id is not None:
            raise ConflictError(
                f"This appointment is already checked in (visit #{existing.visit_id}).", code="checked_in"
            )
        if patient is None:
            patient = find_patient_for(appointment)
        if patient is None:
            if registration is None:
                raise RuleViolation(
                    "No registered patient matches this booking; give patient_id or the registration details.",
                    field="patient_id",
                )
            details = {
                "first_name": appointment.first_name,
                "last_name": appointment.last_name,
                "phone_number": appointment.phone,
                "email": appointment.email,
                "id_number": appointment.sa_id_number or None,
                "medical_aid_number": appointment.medical_aid_number or None,
                **registration,
            }
            patient = register_patient(by=by, **details)
        elif existing is not None and existing.patient_id != patient.pk:
            raise ConflictError("This appointment is linked to another patient.", code="other_patient")
        appointment.check_in(by=by)
        stop = appointment.slot.stop
        visit = open_visit(
            patient=patient,
            by=by,
            visit_type=VisitType.SCHEDULED,
            visit_time=appointment.slot.start_time,
            route=stop.route,
            location=stop.location,
        )
        if existing is None:
            PatientAppointment.objects.create(appointment=appointment, patient=patient, visit=visit, linked_by=by)
        else:
            existing.visit = visit
            existing.save(update_fields=["visit"])
    return visit


def book_for_patient(*, patient: Patient, slot: AppointmentSlot, by) -> Appointment:
    """Staff book a registered patient into a slot (capacity rules are scheduling's) and keep the link."""
    if not patient.phone_number:
        raise RuleViolation("Record the patient's phone number before booking.", field="phone_number")
    with transaction.atomic():
        appointment = scheduling.book(
            slot=slot,
            first_name=patient.first_name,
            last_name=patient.last_name,
            phone=str(patient.phone_number),
            sa_id_number=patient.id_number or "",
            medical_aid_number=patient.medical_aid_number or "",
            email=patient.email,
            booked_by=by,
            channel=BookingChannel.STAFF,
        )
        PatientAppointment.objects.create(appointment=appointment, patient=patient, linked_by=by)
    return appointment
