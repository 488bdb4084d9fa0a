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
