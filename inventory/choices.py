from django.db import models


class LocationKind(models.TextChoices):
    CENTRAL_STORE = "central_store", "Central store"
    MOBILE_UNIT = "mobile_unit", "Mobile unit (van)"
