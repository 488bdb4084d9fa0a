"""The formulary and prescriptions."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinical.allergens import class_label
from clinical.choices import DosageForm

from .visits import Visit


class MedicineQuerySet(models.QuerySet):
    def search(self, term: str):
        term = (term or "").strip()
        if not term:
            return self
        return self.filter(Q(name__istartswith=term) | Q(atc_code__istartswith=term.upper()))


class Medicine(models.Model):
    """A formulary entry: a medicine from the Essential Medicines List (Primary Health Care level)
    in one strength and form, classified by its WHO ATC code for allergy checks."""

    name = models.CharField(max_length=120, help_text="Generic (INN) name, e.g. Amoxicillin.")
    strength = models.CharField(max_length=60, help_text="e.g. 500 mg, 125 mg/5 mL.")
    form = models.CharField(max_length=20, choices=DosageForm.choices)
    atc_code = models.CharField("ATC code", max_length=7, db_index=True)
    inventory_item = models.ForeignKey(
        "inventory.Item",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="formulary_entries",
        help_text="The stock item dispensed for this medicine.",
    )
    is_active = models.BooleanField(default=True)

    objects = MedicineQuerySet.as_manager()

    class Meta:
        ordering = ["name", "strength"]
        indexes = [models.Index(fields=["name"], name="medicine_name_idx")]
        constraints = [
            models.UniqueConstraint(fields=["name", "strength", "form"], name="unique_formulary_entry"),
        ]

    def __str__(self):
        return f"{self.name} {self.strength} {self.get_form_display().lower()}"


class Prescription(models.Model):
    """A doctor's prescription written during a visit: one or more medicine items."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="prescriptions")
    prescribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prescribed_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["prescribed_at", "id"]
        indexes = [models.Index(fields=["visit", "prescribed_at"], name="prescription_visit_idx")]

    def __str__(self):
        return f"Prescription #{self.pk} for visit #{self.visit_id}"


class PrescriptionItem(models.Model):
    """One medicine on a prescription, with how to take it and how much to dispense.

    When the medicine belongs to a drug class the patient is allergic to, the item exists only
    if a doctor overrode the warning; the override and its reason are kept on the item."""

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="items")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="+")
    dose = models.CharField(max_length=60)
    frequency = models.CharField(max_length=60)
    duration = models.CharField(max_length=60, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_dispensed = models.PositiveIntegerField(default=0)
    instructions = models.TextField(blank=True)
    allergy_warning = models.CharField(max_length=200, blank=True)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        permissions = [("override_allergy", "Can prescribe despite a recorded allergy, giving a reason")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="prescription_item_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_dispensed__lte=F("quantity")), name="never_dispense_more_than_prescribed"
            ),
        ]

    def __str__(self):
        return f"{self.medicine} x{self.quantity}"

    @property
    def quantity_outstanding(self) -> int:
        return self.quantity - self.quantity_dispensed


def allergy_conflict(allergies, medicine: Medicine) -> str:
    """A sentence naming the recorded allergy that rules this medicine out, or ""."""
    for allergy in allergies:
        if allergy.atc_class and medicine.atc_code.startswith(allergy.atc_class):
            return (
                f"The patient is allergic to {allergy.substance} ({class_label(allergy.atc_class)}, "
                f"ATC {allergy.atc_class}); {medicine.name} is in that class."
            )
        if allergy.substance.lower() in medicine.name.lower() or medicine.name.lower() in allergy.substance.lower():
            return f"The patient is allergic to {allergy.substance}."
    return ""


class Dispensation(models.Model):
    """Medicine handed to the patient from the van's stock against a prescription item: one row
    per batch it came from, tied to the stock ledger movement that took it out."""

    prescription_item = models.ForeignKey(PrescriptionItem, on_delete=models.PROTECT, related_name="dispensations")
    stock_movement = models.OneToOneField(
        "inventory.StockMovement", on_delete=models.PROTECT, related_name="dispensation"
    )
    batch = models.ForeignKey("inventory.Batch", on_delete=models.PROTECT, related_name="dispensations")
    quantity = models.PositiveIntegerField()
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dispensed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dispensed_at", "id"]
        indexes = [models.Index(fields=["dispensed_at"], name="dispensation_time_idx")]

    def __str__(self):
        return f"{self.quantity} x {self.batch.item} (batch {self.batch.batch_number})"
