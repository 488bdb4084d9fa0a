from django.conf import settings
from django.db import models
from django.utils import timezone

from .patients import Patient
from .visits import Visit


class PatientAppointment(models.Model):
    """Which registered patient a booking belongs to, and the visit it opened on check-in.

    Kept on the clinical side because scheduling sits below clinical and knows no patients.
    """

    appointment = models.OneToOneField("scheduling.Appointment", on_delete=models.CASCADE, related_name="patient_link")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointment_links")
    visit = models.OneToOneField(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at", "-id"]

    def __str__(self):
        return f"{self.appointment} for patient #{self.patient_id}"
