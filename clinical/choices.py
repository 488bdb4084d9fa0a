"""Clinical vocabulary: the values the API accepts and returns."""

from django.db import models


class Gender(models.TextChoices):
    """As the spec writes it ("Male"); SA ID numbers encode only male and female."""

    MALE = "Male"
    FEMALE = "Female"
    OTHER = "Other"


class VisitType(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    WALK_IN = "walk_in", "Walk-in"


class VisitStage(models.TextChoices):
    """The five stages of a clinic visit, in order."""

    REGISTRATION = "registration", "Registration"
    ASSESSMENT = "assessment", "Assessment"
    CONSULTATION = "consultation", "Consultation"
    COUNSELING = "counseling", "Counseling"
    CLOSURE = "closure", "Closure"


STAGE_ORDER = list(VisitStage)


class DiagnosisRank(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class DosageForm(models.TextChoices):
    TABLET = "tablet", "Tablet"
    CAPSULE = "capsule", "Capsule"
    SYRUP = "syrup", "Syrup / suspension"
    INHALER = "inhaler", "Inhaler"
    INJECTION = "injection", "Injection"
    CREAM = "cream", "Cream / ointment"
    DROPS = "drops", "Drops"
    SACHET = "sachet", "Sachet"
    OTHER = "other", "Other"


class ReferralType(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    APPOINTMENT_BOOKED = "appointment_booked", "Appointment booked"
    ATTENDED = "attended", "Attended"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


OPEN_REFERRAL_STATUSES = [ReferralStatus.PENDING, ReferralStatus.SENT, ReferralStatus.APPOINTMENT_BOOKED]

# Each status may move only to these.
REFERRAL_TRANSITIONS = {
    ReferralStatus.PENDING: {ReferralStatus.SENT, ReferralStatus.CANCELLED},
    ReferralStatus.SENT: {ReferralStatus.APPOINTMENT_BOOKED, ReferralStatus.CANCELLED},
    ReferralStatus.APPOINTMENT_BOOKED: {ReferralStatus.ATTENDED, ReferralStatus.NO_SHOW, ReferralStatus.CANCELLED},
    ReferralStatus.ATTENDED: set(),
    ReferralStatus.CANCELLED: set(),
    ReferralStatus.NO_SHOW: set(),
}
