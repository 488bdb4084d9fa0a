"""Vocabulary shared by several apps."""

from django.db import models


class Province(models.TextChoices):
    """South Africa's nine provinces, in their official spelling (value and label alike)."""

    EASTERN_CAPE = "Eastern Cape"
    FREE_STATE = "Free State"
    GAUTENG = "Gauteng"
    KWAZULU_NATAL = "KwaZulu-Natal"
    LIMPOPO = "Limpopo"
    MPUMALANGA = "Mpumalanga"
    NORTHERN_CAPE = "Northern Cape"
    NORTH_WEST = "North West"
    WESTERN_CAPE = "Western Cape"
