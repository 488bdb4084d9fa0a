from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from clinical.choices import (
    OPEN_REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
    ReferralStatus,
    ReferralType,
    Urgency,
)
from polmed.exceptions import ConflictError, RuleViolation

from .patients import Patient
from .visits import Visit


class ReferralQuerySet(models.QuerySet):
    def still_open(self):
        return self.filter(status__in=OPEN_REFERRAL_STATUSES)


class Referral(models.Model):
    """A patient sent on to another service (a hospital department, a clinic, a social service),
    followed until the patient attends, does not show, or the referral is cancelled."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    referral_type = models.CharField(max_length=10, choices=ReferralType.choices)
    from_stage = models.CharField(max_length=60, blank=True, help_text='Free text, e.g. "Doctor Consultation".')
    external_provider = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=120, blank=True)
    reason = models.TextField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    appointment_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    feedback = models.TextField(blank=True, help_text="What the receiving provider reported back.")
    feedback_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "urgency", "created_at"], name="referral_status_idx"),
            models.Index(fields=["patient", "created_at"], name="referral_patient_idx"),
            # Reports count referrals made in a period, whatever their status.
            models.Index(fields=["created_at"], name="referral_created_idx"),
        ]

    def __str__(self):
        return f"Referral #{self.pk} to {self.external_provider or self.department or 'internal service'}"

    def clean(self):
        if self.referral_type == ReferralType.EXTERNAL and not self.external_provider:
            raise ValidationError({"external_provider": "Name the provider an external referral goes to."})
        if self.referral_type == ReferralType.INTERNAL and not self.department:
            raise ValidationError({"department": "Name the department or service an internal referral goes to."})

    def move_to(self, status: str, *, by, note: str = "", appointment_date=None) -> "ReferralStatusChange":
        """Advance the referral's status along its trail, recording who and when."""
        if status not in ReferralStatus.values:
            raise RuleViolation(f'"{status}" is not a referral status.', field="status")
        with transaction.atomic():
            locked = Referral.objects.select_for_update().get(pk=self.pk)
            if status not in REFERRAL_TRANSITIONS[ReferralStatus(locked.status)]:
                raise ConflictError(
                    f"A referral that is {locked.get_status_display().lower()} cannot become "
                    f"{ReferralStatus(status).label.lower()}.",
                    code="referral_status",
                )
            if status == ReferralStatus.APPOINTMENT_BOOKED:
                appointment_date = appointment_date or locked.appointment_date
                if not appointment_date:
                    raise RuleViolation("Give the appointment date.", field="appointment_date")
                locked.appointment_date = appointment_date
            change = ReferralStatusChange.objects.create(
                referral=locked, from_status=locked.status, to_status=status, changed_by=by, note=note
            )
            locked.status = status
            locked.save(update_fields=["status", "appointment_date"])
        self.status, self.appointment_date = locked.status, locked.appointment_date
        return change

    def record_feedback(self, text: str, *, by) -> None:
        if self.status == ReferralStatus.PENDING:
            raise ConflictError("The referral has not been sent yet; there is no feedback to record.")
        if not text.strip():
            raise RuleViolation("Write the feedback.", field="feedback")
        self.feedback = text.strip()
        self.feedback_at = timezone.now()
        self.save(update_fields=["feedback", "feedback_at"])


class ReferralStatusChange(models.Model):
    """One step on a referral's trail."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.from_status or 'created'} -> {self.to_status}"
