from django.db import models


class LocationType(models.TextChoices):
    """Where a mobile clinic stops (the spec's `location_type` values)."""

    POLICE_STATION = "police_station", "Police station"
    SCHOOL = "school", "School"
    COMMUNITY_CENTRE = "community_centre", "Community centre"
    CLINIC = "clinic", "Clinic"
    WORKPLACE = "workplace", "Workplace"
    OTHER = "other", "Other"


class RouteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class AppointmentStatus(models.TextChoices):
    """Where a booking stands. Booked, checked-in and no-show bookings hold a seat in their slot;
    a booking on a blocked day keeps its seat until it is rescheduled or cancelled."""

    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    CHECKED_IN = "checked_in", "Checked in"
    NO_SHOW = "no_show", "No-show"
    NEEDS_RESCHEDULING = "needs_rescheduling", "Needs rescheduling"


class BookingChannel(models.TextChoices):
    """How the booking was made."""

    PUBLIC = "public", "Public (online)"
    STAFF = "staff", "Staff"


class NotificationKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Booking confirmation"
    REMINDER = "reminder", "Reminder"
    CANCELLATION = "cancellation", "Cancellation"
    NEEDS_RESCHEDULING = "needs_rescheduling", "Clinic day cancelled"
