from auditlog.registry import auditlog
from django.db import models

from inventory.choices import LocationKind


class StockLocation(models.Model):
    """A place that holds stock: the central store, or one mobile clinic van."""

    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=20, unique=True, help_text="Short code, e.g. STORE or VAN-01.")
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.MOBILE_UNIT)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


auditlog.register(StockLocation)
