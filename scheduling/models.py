from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from polmed.choices import Province
from scheduling.choices import LocationType, RouteStatus


class Location(models.Model):
    """A place a mobile clinic visits: a police station, school, community centre, workplace."""

    name = models.CharField(max_length=200)
    location_type = models.CharField(max_length=30, choices=LocationType.choices)
    address = models.TextField(blank=True)
    province = models.CharField(max_length=20, choices=Province.choices)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    contact_person = models.CharField(max_length=150, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["province", "name"]
        indexes = [models.Index(fields=["province", "location_type"])]

    def __str__(self):
        return f"{self.name} ({self.get_location_type_display()})"


class MobileUnit(models.Model):
    """A van (or tent kit) that travels a route; its stock is one inventory stock location."""

    name = models.CharField(max_length=120, unique=True)
    registration_number = models.CharField(max_length=20, unique=True)
    home_base = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stock_location = models.OneToOneField(
        "inventory.StockLocation", on_delete=models.PROTECT, related_name="mobile_unit"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.registration_number})"


class Route(models.Model):
    """A planned series of clinic days in one province, served by one van."""

    route_name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    province = models.CharField(max_length=20, choices=Province.choices)
    route_type = models.CharField(max_length=100, blank=True, help_text='Free text, e.g. "Police Stations".')
    start_date = models.DateField()
    end_date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    max_appointments_per_day = models.PositiveIntegerField(default=50)
    status = models.CharField(max_length=20, choices=RouteStatus.choices, default=RouteStatus.DRAFT)
    mobile_unit = models.ForeignKey(MobileUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="routes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "route_name"]
        indexes = [models.Index(fields=["province", "status", "start_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="route_ends_after_start"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="route_day_ends_after_start"),
        ]

    def __str__(self):
        return self.route_name


auditlog.register(Location)
auditlog.register(MobileUnit)
auditlog.register(Route)
