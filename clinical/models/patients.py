import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from clinical.allergens import atc_class_for
from clinical.choices import Gender
from clinical.identity import clean_sa_id, id_mismatches
from polmed.choices import Province


class PatientQuerySet(models.QuerySet):
    def search(self, term: str):
        """Patients whose first or last name starts with the term, or whose SA ID, medical aid
        number or phone number is the term. Each branch hits an index."""
        term = " ".join((term or "").split())
        if not term:
            return self
        condition = Q(id_number=term) | Q(medical_aid_number=term.upper().replace(" ", ""))
        words = term.split(" ")
        if len(words) >= 2:
            first, last = words[0], " ".join(words[1:])
            condition |= Q(first_name__istartswith=first, last_name__istartswith=last)
            condition |= Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
        else:
            condition |= Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
        phone = _as_e164(term)
        if phone:
            condition |= Q(phone_number=phone)
        return self.filter(condition)


def _as_e164(term: str) -> str | None:
    if sum(ch.isdigit() for ch in term) < 9:
        return None
    try:
        number = phonenumbers.parse(term, "ZA")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Patient(models.Model):
    """A person the mobile clinic has registered: a POLMED scheme member or someone from the
    community. Identified by SA ID number, or by passport number for non-citizens."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=10, choices=Gender.choices)
    id_number = models.CharField("SA ID number", max_length=13, null=True, blank=True, unique=True)
    passport_number = models.CharField(max_length=20, blank=True)
    phone_number = PhoneNumberField(region="ZA", blank=True)
    email = models.EmailField(blank=True)
    physical_address = models.TextField(blank=True)
    province = models.CharField(max_length=20, choices=Province.choices, blank=True)
    medical_aid_number = models.CharField(max_length=30, null=True, blank=True, unique=True)
    is_palmed_member = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="patient_name_idx"),
            models.Index(fields=["first_name"], name="patient_first_name_idx"),
            models.Index(fields=["phone_number"], name="patient_phone_idx"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def clean(self):
        errors = {}
        if self.id_number:
            try:
                self.id_number = clean_sa_id(self.id_number)
            except ValidationError as error:
                errors["id_number"] = error.messages
            else:
                errors.update(id_mismatches(self.id_number, date_of_birth=self.date_of_birth, gender=self.gender))
        self.id_number = self.id_number or None
        self.medical_aid_number = (self.medical_aid_number or "").upper().replace(" ", "") or None
        self.passport_number = (self.passport_number or "").upper().replace(" ", "")
        if self.is_palmed_member and not self.medical_aid_number:
            errors["medical_aid_number"] = "A POLMED member's medical aid number is required."
        if errors:
            raise ValidationError(errors)

    def duplicate_of(self) -> "Patient | None":
        """Another patient already registered with this SA ID or medical aid number."""
        condition = Q()
        if self.id_number:
            condition |= Q(id_number=self.id_number)
        if self.medical_aid_number:
            condition |= Q(medical_aid_number=self.medical_aid_number)
        if not condition:
            return None
        return Patient.objects.filter(condition).exclude(pk=self.pk).first()

    def set_health_lists(self, *, conditions=None, allergies=None, medications=None) -> None:
        """Replace the reported chronic conditions, allergies or medications (None leaves one as it is)."""
        for items, model, field in (
            (conditions, ChronicCondition, "name"),
            (allergies, Allergy, "substance"),
            (medications, CurrentMedication, "name"),
        ):
            if items is None:
                continue
            names = list(dict.fromkeys(" ".join(str(item).split()) for item in items if str(item).strip()))
            current = {getattr(row, field): row for row in model.objects.filter(patient=self)}
            # Row by row (lists are short) so the audit trail records each addition and removal.
            for name, row in current.items():
                if name not in names:
                    row.delete()
            for name in names:
                if name not in current:
                    extra = {"atc_class": atc_class_for(name)} if model is Allergy else {}
                    model.objects.create(patient=self, **{field: name}, **extra)

    @property
    def allergy_classes(self) -> set[str]:
        return {a.atc_class for a in self.allergies.all() if a.atc_class}


class ChronicCondition(models.Model):
    """A long-term condition the patient reports (hypertension, diabetes, HIV, asthma)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="chronic_conditions")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Allergy(models.Model):
    """An allergy the patient reports; `atc_class` is the WHO ATC drug class it covers, if any."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="allergies")
    substance = models.CharField(max_length=200)
    atc_class = models.CharField("ATC class", max_length=7, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "allergies"

    def __str__(self):
        return self.substance


class CurrentMedication(models.Model):
    """A medicine the patient says they are taking when registered (free text, e.g. "Metformin 500mg")."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="current_medications")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name
