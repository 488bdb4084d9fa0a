from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from inventory.choices import AssetStatus, ItemKind, LocationKind
from inventory.models import (
    Asset,
    AssetCategory,
    Batch,
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    Supplier,
)


class StockLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"VAN-T{n:02d}")
    name = factory.Sequence(lambda n: f"Test Mobile Clinic {n}")
    kind = LocationKind.MOBILE_UNIT


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Test Pharma Wholesaler {n}")
    contact_person = "Naledi Sithole"
    email = factory.Sequence(lambda n: f"orders{n}@wholesaler.test")
    lead_time_days = 5


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    name = factory.Sequence(lambda n: f"Paracetamol 500 mg tablet {n}")
    kind = ItemKind.MEDICINE
    unit_of_issue = "tablet"


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    item = factory.SubFactory(ItemFactory)
    location = factory.SubFactory(StockLocationFactory)
    reorder_level = 10
    reorder_quantity = 50


class BatchFactory(factory.django.DjangoModelFactory):
    """A batch created directly, for read-side tests only; stock changes go through the service."""

    class Meta:
        model = Batch

    item = factory.SubFactory(ItemFactory)
    location = factory.SubFactory(StockLocationFactory)
    batch_number = factory.Sequence(lambda n: f"LOT{n:05d}")
    expiry_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    quantity_received = 0
    quantity = 0
    unit_cost = Decimal("1.50")


class AssetCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetCategory
        django_get_or_create = ("name",)

    name = "Diagnostic equipment"
    default_useful_life_years = 5


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    asset_tag = factory.Sequence(lambda n: f"MED-T-{n:04d}")
    asset_name = "Blood Pressure Monitor"
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    category = factory.SubFactory(AssetCategoryFactory)
    manufacturer = "Omron"
    model = "M6 Comfort"
    purchase_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
    warranty_expiry = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    location = factory.SubFactory(StockLocationFactory)
    purchase_cost = Decimal("2500.00")
    status = AssetStatus.OPERATIONAL


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrder

    supplier = factory.SubFactory(SupplierFactory)
    deliver_to = factory.SubFactory(StockLocationFactory)


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderLine

    order = factory.SubFactory(PurchaseOrderFactory)
    item = factory.SubFactory(ItemFactory)
    quantity_ordered = 100
    unit_cost = Decimal("0.85")
