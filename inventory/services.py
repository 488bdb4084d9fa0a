"""The stock service: the only code that changes a batch's quantity.

Every change writes one ledger movement in the same transaction, so a batch's quantity
always equals the sum of its movements. Concurrency: batch rows are locked with
SELECT ... FOR UPDATE in primary-key order, and every decrement is also a conditional
UPDATE (`quantity >= n`), so stock can never go below zero even where locks are no-ops
(SQLite serialises writers instead).
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from inventory.choices import MovementKind
from inventory.exceptions import InsufficientStock
from inventory.models import Batch, Item, PurchaseOrderLine, StockLocation, StockMovement, Supplier
from polmed.exceptions import ConflictError, RuleViolation

__all__ = [
    "adjust",
    "available_quantity",
    "dispense",
    "receive",
    "receive_purchase_order_line",
    "return_to_stock",
    "transfer",
    "write_off_expired",
]

from inventory.models import available_quantity  # noqa: E402 (re-exported for callers of the service)


def _positive(quantity, field="quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise RuleViolation("The quantity must be a whole number greater than zero.", field=field)
    return quantity


def _record(
    *, batch: Batch, kind: str, quantity: int, by, reason: str = "", reference: str = "", unit_cost=None
) -> StockMovement:
    """Apply a signed change to a locked batch and write its ledger line."""
    if quantity < 0:
        updated = Batch.objects.filter(pk=batch.pk, quantity__gte=-quantity).update(quantity=F("quantity") + quantity)
        if not updated:
            batch.refresh_from_db(fields=["quantity"])
            raise InsufficientStock(
                f"Not enough {batch.item.name} in batch {batch.batch_number} at {batch.location.name}: "
                f"asked for {-quantity}, {batch.quantity} available.",
                item=batch.item,
                location=batch.location,
                requested=-quantity,
                available=batch.quantity,
            )
    else:
        fields = {"quantity": F("quantity") + quantity}
        if kind in (MovementKind.RECEIPT, MovementKind.TRANSFER_IN):
            fields["quantity_received"] = F("quantity_received") + quantity
        Batch.objects.filter(pk=batch.pk).update(**fields)
    batch.refresh_from_db(fields=["quantity", "quantity_received"])
    return StockMovement.objects.create(
        batch=batch,
        item_id=batch.item_id,
        location_id=batch.location_id,
        kind=kind,
        quantity=quantity,
        unit_cost=batch.unit_cost if unit_cost is None else unit_cost,
        balance_after=batch.quantity,
        reason=reason,
        reference=reference,
        created_by=by,
    )


def _locked_batch(*, item: Item, location: StockLocation, batch_number: str, defaults: dict) -> Batch:
    """Get (locked) or create the batch row for this item, location and batch number."""
    batch = (
        Batch.objects.select_for_update()
        .select_related("item", "location")
        .filter(item=item, location=location, batch_number=batch_number)
        .first()
    )
    if batch is None:
        try:
            with transaction.atomic():
                batch = Batch.objects.create(item=item, location=location, batch_number=batch_number, **defaults)
        except IntegrityError:
            # Another request created it a moment ago: lock that one instead.
            batch = Batch.objects.select_for_update().get(item=item, location=location, batch_number=batch_number)
    elif batch.expiry_date != defaults["expiry_date"]:
        raise RuleViolation(
            f"Batch {batch_number} of {item.name} is already held at {location.name} with expiry "
            f"{batch.expiry_date}; check the expiry date.",
            field="expiry_date",
        )
    return batch


@transaction.atomic
def receive(
    *,
    item: Item,
    location: StockLocation,
    batch_number: str,
    expiry_date: date,
    quantity: int,
    unit_cost,
    by,
    supplier: Supplier | None = None,
    received_date: date | None = None,
    purchase_order_line: PurchaseOrderLine | None = None,
    reference: str = "",
    today: date | None = None,
) -> Batch:
    """Take a delivery into stock at a location: a new batch, or more of the same batch."""
    _positive(quantity)
    batch_number = (batch_number or "").strip()
    if not batch_number:
        raise RuleViolation("Give the batch number printed on the pack.", field="batch_number")
    if expiry_date < (today or timezone.localdate()):
        raise RuleViolation("This batch has already expired; do not receive it into stock.", field="expiry_date")
    if unit_cost is None or unit_cost < 0:
        raise RuleViolation("The unit cost cannot be negative.", field="unit_cost")
    batch = _locked_batch(
        item=item,
        location=location,
        batch_number=batch_number,
        defaults={
            "expiry_date": expiry_date,
            "unit_cost": unit_cost,
            "supplier": supplier,
            "received_date": received_date or timezone.localdate(),
            "purchase_order_line": purchase_order_line,
        },
    )
    if not reference and purchase_order_line is not None:
        reference = purchase_order_line.order.order_number
    unit_cost = Decimal(unit_cost)
    if batch.quantity and batch.unit_cost != unit_cost:
        # More of a batch at another price: what is on hand is costed at the weighted average.
        average = (batch.quantity * batch.unit_cost + quantity * unit_cost) / (batch.quantity + quantity)
        batch.unit_cost = average.quantize(Decimal("0.0001"))
        Batch.objects.filter(pk=batch.pk).update(unit_cost=batch.unit_cost)
    elif not batch.quantity:
        batch.unit_cost = unit_cost
        Batch.objects.filter(pk=batch.pk).update(unit_cost=unit_cost)
    _record(batch=batch, kind=MovementKind.RECEIPT, quantity=quantity, by=by, reference=reference, unit_cost=unit_cost)
    return batch


@transaction.atomic
def dispense(
    *, item: Item, location: StockLocation, quantity: int, by, reference: str = "", today: date | None = None
) -> list[StockMovement]:
    """Issue stock to a patient (or a clinic day) first-expiry-first-out from non-expired batches.

    Raises InsufficientStock, changing nothing, when the usable stock is short.
    """
    _positive(quantity)
    today = today or timezone.localdate()
    # Lock in primary-key order (the same order every writer uses), then allocate by expiry.
    batches = list(
        Batch.objects.select_for_update()
        .usable(today=today)
        .in_stock()
        .filter(item=item, location=location)
        .select_related("item", "location")
        .order_by("pk")
    )
    available = sum(batch.quantity for batch in batches)
    if available < quantity:
        raise InsufficientStock(
            f"Not enough {item.name} at {location.name}: asked for {quantity}, {available} available.",
            item=item,
            location=location,
            requested=quantity,
            available=available,
        )
    movements = []
    remaining = quantity
    for batch in sorted(batches, key=lambda b: (b.expiry_date, b.received_date, b.pk)):
        if remaining == 0:
            break
        take = min(remaining, batch.quantity)
        movements.append(_record(batch=batch, kind=MovementKind.DISPENSE, quantity=-take, by=by, reference=reference))
        remaining -= take
    return movements


@transaction.atomic
def return_to_stock(*, batch: Batch, quantity: int, by, reason: str = "", reference: str = "") -> StockMovement:
    """Put unused stock back into the batch it was dispensed from."""
    _positive(quantity)
    batch = Batch.objects.select_for_update().select_related("item", "location").get(pk=batch.pk)
    if batch.is_expired():
        raise RuleViolation("This batch has expired; write it off instead of returning it to stock.")
    return _record(batch=batch, kind=MovementKind.RETURN, quantity=quantity, by=by, reason=reason, reference=reference)


@transaction.atomic
def adjust(*, batch: Batch, delta: int, reason: str, by) -> StockMovement:
    """Correct a batch after a count (breakage, loss, found stock); a reason is required."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise RuleViolation("The adjustment must be a whole number other than zero.", field="delta")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("Give a reason for the adjustment.", field="reason")
    batch = Batch.objects.select_for_update().select_related("item", "location").get(pk=batch.pk)
    return _record(batch=batch, kind=MovementKind.ADJUSTMENT, quantity=delta, by=by, reason=reason)


@transaction.atomic
def transfer(
    *, batch: Batch, to_location: StockLocation, quantity: int, by, reason: str = "", today: date | None = None
) -> tuple[StockMovement, StockMovement]:
    """Move part of a batch to another location (store to van, van to van); returns (out, in)."""
    _positive(quantity)
    if to_location.pk == batch.location_id:
        raise RuleViolation("Choose a different location to transfer to.", field="to_location")
    if not to_location.is_active:
        raise RuleViolation(f"{to_location.name} is not an active stock location.", field="to_location")
    source = Batch.objects.select_related("item", "location").get(pk=batch.pk)
    target = _batch_for_transfer(source=source, to_location=to_location)
    # Lock both rows in one statement, in primary-key order, so opposite transfers cannot deadlock.
    locked = {
        b.pk: b
        for b in Batch.objects.select_for_update()
        .select_related("item", "location")
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.is_expired(today):
        raise ConflictError(f"Batch {source.batch_number} of {source.item.name} has expired; it cannot be transferred.")
    reference = f"Transfer {source.location.code} -> {to_location.code}"
    out = _record(
        batch=source, kind=MovementKind.TRANSFER_OUT, quantity=-quantity, by=by, reason=reason, reference=reference
    )
    into = _record(
        batch=target, kind=MovementKind.TRANSFER_IN, quantity=quantity, by=by, reason=reason, reference=reference
    )
    StockMovement.objects.filter(pk=out.pk).update(counterpart=into)
    StockMovement.objects.filter(pk=into.pk).update(counterpart=out)
    out.counterpart, into.counterpart = into, out
    return out, into


def _batch_for_transfer(*, source: Batch, to_location: StockLocation) -> Batch:
    """The same batch number at the receiving location, created empty if it is not held there yet."""
    lookup = {"item_id": source.item_id, "location": to_location, "batch_number": source.batch_number}
    target = Batch.objects.filter(**lookup).first()
    if target is None:
        try:
            with transaction.atomic():
                target = Batch.objects.create(
                    **lookup,
                    expiry_date=source.expiry_date,
                    unit_cost=source.unit_cost,
                    supplier_id=source.supplier_id,
                    received_date=timezone.localdate(),
                )
        except IntegrityError:
            target = Batch.objects.get(**lookup)
    if target.expiry_date != source.expiry_date:
        raise RuleViolation(
            f"{to_location.name} holds batch {source.batch_number} of {source.item.name} with another expiry "
            f"date ({target.expiry_date}); correct the records before transferring.",
            field="to_location",
        )
    return target


@transaction.atomic
def write_off_expired(
    *, by, location: StockLocation | None = None, today: date | None = None, batches=None
) -> list[StockMovement]:
    """Take every expired batch with stock left (at one location, or everywhere) to zero."""
    today = today or timezone.localdate()
    queryset = Batch.objects.select_for_update().expired(today=today).in_stock()
    if location is not None:
        queryset = queryset.filter(location=location)
    if batches is not None:
        queryset = queryset.filter(pk__in=[getattr(b, "pk", b) for b in batches])
    movements = []
    for batch in queryset.select_related("item", "location").order_by("pk"):
        movements.append(
            _record(
                batch=batch,
                kind=MovementKind.EXPIRY_WRITE_OFF,
                quantity=-batch.quantity,
                by=by,
                reason=f"Expired on {batch.expiry_date}",
            )
        )
    return movements


@transaction.atomic
def receive_purchase_order_line(
    *,
    line: PurchaseOrderLine,
    quantity: int,
    by,
    batch_number: str | None = None,
    expiry_date: date | None = None,
    location: StockLocation | None = None,
    unit_cost=None,
    received_date: date | None = None,
) -> Batch:
    """Receive (part of) a purchase order line into stock and move the order's status on."""
    from inventory.models import PurchaseOrder

    _positive(quantity)
    order = PurchaseOrder.objects.select_for_update().select_related("supplier", "deliver_to").get(pk=line.order_id)
    line = PurchaseOrderLine.objects.select_for_update().select_related("item").get(pk=line.pk)
    if not order.can_receive:
        raise ConflictError(
            f"Purchase order {order.order_number} is {order.get_status_display().lower()}; it cannot be received."
        )
    if quantity > line.quantity_outstanding:
        raise ConflictError(
            f"Only {line.quantity_outstanding} of {line.item.name} are outstanding on {order.order_number}; "
            f"cannot receive {quantity}."
        )
    batch_number = batch_number or line.batch_number
    expiry_date = expiry_date or line.expiry_date
    if not expiry_date:
        raise RuleViolation("Give the expiry date printed on the pack.", field="expiry_date")
    batch = receive(
        item=line.item,
        location=location or order.deliver_to,
        batch_number=batch_number,
        expiry_date=expiry_date,
        quantity=quantity,
        unit_cost=line.unit_cost if unit_cost is None else unit_cost,
        by=by,
        supplier=order.supplier,
        received_date=received_date,
        purchase_order_line=line,
    )
    PurchaseOrderLine.objects.filter(pk=line.pk).update(quantity_received=F("quantity_received") + quantity)
    order.refresh_status()
    return batch
