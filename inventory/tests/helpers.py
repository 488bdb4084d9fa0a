from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from inventory import services
from inventory.models import Batch, StockMovement


def stock(item, location, quantity, *, by, days=365, batch_number=None, unit_cost="1.00"):
    """Receive `quantity` of `item` at `location` through the service, expiring in `days` days."""
    from decimal import Decimal

    return services.receive(
        item=item,
        location=location,
        batch_number=batch_number or f"B{days}-{Batch.objects.count()}",
        expiry_date=timezone.localdate() + timedelta(days=days),
        quantity=quantity,
        unit_cost=Decimal(unit_cost),
        by=by,
    )


def expired_batch(item, location, quantity, *, by, days_ago=5, batch_number="EXPIRED-1"):
    """Stock received while valid that has since expired (receive refuses expired stock)."""
    today = timezone.localdate()
    batch = services.receive(
        item=item,
        location=location,
        batch_number=batch_number,
        expiry_date=today - timedelta(days=days_ago),
        quantity=quantity,
        unit_cost=1,
        by=by,
        today=today - timedelta(days=days_ago + 30),
    )
    return batch


def assert_ledger_agrees(*batches):
    """Every batch's quantity equals the sum of its movements."""
    queryset = Batch.objects.all() if not batches else Batch.objects.filter(pk__in=[b.pk for b in batches])
    for batch in queryset:
        total = StockMovement.objects.filter(batch=batch).aggregate(total=Sum("quantity"))["total"] or 0
        assert batch.quantity == total, (batch, batch.quantity, total)
