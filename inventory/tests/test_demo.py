import pytest
from django.db.models import Sum

from accounts import demo as accounts_demo
from inventory import demo
from inventory.choices import AssetStatus, LocationKind
from inventory.models import Asset, Batch, PurchaseOrder, StockLevel, StockLocation, StockMovement
from inventory.tests.helpers import assert_ledger_agrees

pytestmark = pytest.mark.django_db


def _seed():
    accounts_demo.seed(password="demo-pass-123", log=lambda message: None)
    demo.seed(password="demo-pass-123", log=lambda message: None)


def _counts():
    return (
        Batch.objects.count(),
        StockMovement.objects.count(),
        Asset.objects.count(),
        PurchaseOrder.objects.count(),
        StockLevel.objects.count(),
        Batch.objects.aggregate(total=Sum("quantity"))["total"],
    )


def test_the_demo_has_a_store_four_vans_and_stock_that_needs_attention():
    _seed()

    assert StockLocation.objects.get(code="STORE").kind == LocationKind.CENTRAL_STORE
    assert list(StockLocation.objects.filter(code__startswith="VAN-").order_by("code").values_list("code", "name")) == [
        ("VAN-01", "Mobile Clinic 1"),
        ("VAN-02", "Mobile Clinic 2"),
        ("VAN-03", "Mobile Clinic 3"),
        ("VAN-04", "Mobile Clinic 4"),
    ]
    assert Batch.objects.expiring_within(30).exists()
    assert Batch.objects.expired().in_stock().exists()
    assert StockLevel.objects.below_reorder_level().exists()
    assert len(set(Asset.objects.values_list("status", flat=True))) >= 4
    assert Asset.objects.filter(status=AssetStatus.DISPOSED).get().status_changes.count() == 4
    assert PurchaseOrder.objects.filter(status="ordered").exists()
    assert_ledger_agrees()


def test_seeding_the_demo_twice_changes_nothing():
    _seed()
    first = _counts()

    _seed()

    assert _counts() == first
