import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from inventory import services
from inventory.choices import MovementKind, PurchaseOrderStatus
from inventory.exceptions import InsufficientStock
from inventory.models import Batch, Item, StockMovement, available_quantity
from inventory.tests.factories import (
    ItemFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLocationFactory,
    SupplierFactory,
)
from inventory.tests.helpers import assert_ledger_agrees, expired_batch, stock
from polmed.exceptions import ConflictError, RuleViolation

pytestmark = pytest.mark.django_db


@pytest.fixture
def van():
    return StockLocationFactory(code="VAN-01", name="Mobile Clinic 1")


@pytest.fixture
def store():
    return StockLocationFactory(code="STORE", name="Central Store", kind="central_store")


@pytest.fixture
def item():
    return ItemFactory(name="Amlodipine 5 mg tablet")


def test_receiving_creates_a_batch_and_a_receipt_movement(item, van, inventory_manager):
    supplier = SupplierFactory()
    batch = services.receive(
        item=item,
        location=van,
        batch_number="AML2301",
        expiry_date=timezone.localdate() + timedelta(days=400),
        quantity=120,
        unit_cost=Decimal("0.42"),
        by=inventory_manager,
        supplier=supplier,
    )

    assert (batch.quantity, batch.quantity_received, batch.supplier) == (120, 120, supplier)
    movement = StockMovement.objects.get(batch=batch)
    assert (movement.kind, movement.quantity, movement.balance_after) == (MovementKind.RECEIPT, 120, 120)
    assert movement.created_by == inventory_manager
    assert movement.unit_cost == Decimal("0.42")


def test_receiving_the_same_batch_again_adds_to_it(item, van, inventory_manager):
    first = stock(item, van, 10, by=inventory_manager, batch_number="LOT1")
    second = stock(item, van, 5, by=inventory_manager, batch_number="LOT1")

    assert first.pk == second.pk
    assert (second.quantity, second.quantity_received) == (15, 15)
    assert_ledger_agrees(second)


def test_receiving_more_of_a_batch_at_another_price_costs_it_at_the_weighted_average(item, van, inventory_manager):
    stock(item, van, 10, by=inventory_manager, batch_number="LOT1", unit_cost="1.00")
    batch = stock(item, van, 30, by=inventory_manager, batch_number="LOT1", unit_cost="2.00")

    batch.refresh_from_db()
    assert batch.unit_cost == Decimal("1.7500")
    assert list(batch.movements.order_by("pk").values_list("unit_cost", flat=True)) == [Decimal("1"), Decimal("2")]


def test_receiving_a_known_batch_with_another_expiry_is_refused(item, van, inventory_manager):
    stock(item, van, 10, by=inventory_manager, batch_number="LOT1", days=100)

    with pytest.raises(RuleViolation, match="expiry"):
        stock(item, van, 10, by=inventory_manager, batch_number="LOT1", days=200)
    assert StockMovement.objects.count() == 1


def test_receiving_expired_stock_is_refused(item, van, inventory_manager):
    with pytest.raises(RuleViolation, match="expired"):
        stock(item, van, 10, by=inventory_manager, days=-1)
    assert Batch.objects.count() == 0


@pytest.mark.parametrize("quantity", [0, -3, 2.5, True])
def test_receiving_a_quantity_that_is_not_a_positive_whole_number_is_refused(item, van, inventory_manager, quantity):
    with pytest.raises(RuleViolation):
        stock(item, van, quantity, by=inventory_manager)
    assert Batch.objects.count() == 0


def test_dispensing_takes_the_first_expiring_batch_first(item, van, inventory_manager, nurse):
    later = stock(item, van, 10, by=inventory_manager, days=300, batch_number="LATE")
    sooner = stock(item, van, 4, by=inventory_manager, days=30, batch_number="SOON")

    movements = services.dispense(item=item, location=van, quantity=6, by=nurse, reference="VISIT-1")

    assert [(m.batch.batch_number, m.quantity) for m in movements] == [("SOON", -4), ("LATE", -2)]
    assert all(m.kind == MovementKind.DISPENSE and m.reference == "VISIT-1" for m in movements)
    sooner.refresh_from_db()
    later.refresh_from_db()
    assert (sooner.quantity, later.quantity) == (0, 8)
    assert_ledger_agrees()


def test_dispensing_never_uses_an_expired_batch(item, van, inventory_manager, nurse):
    expired = expired_batch(item, van, 50, by=inventory_manager)
    valid = stock(item, van, 5, by=inventory_manager)

    with pytest.raises(InsufficientStock):
        services.dispense(item=item, location=van, quantity=6, by=nurse)
    movements = services.dispense(item=item, location=van, quantity=5, by=nurse)

    assert [m.batch_id for m in movements] == [valid.pk]
    expired.refresh_from_db()
    assert expired.quantity == 50


def test_dispensing_only_uses_stock_at_that_location(item, van, store, inventory_manager, nurse):
    stock(item, store, 100, by=inventory_manager)

    with pytest.raises(InsufficientStock):
        services.dispense(item=item, location=van, quantity=1, by=nurse)


def test_a_shortage_names_the_item_what_was_asked_and_what_is_available_and_changes_nothing(
    item, van, inventory_manager, nurse
):
    stock(item, van, 3, by=inventory_manager, days=20, batch_number="A")
    stock(item, van, 4, by=inventory_manager, days=40, batch_number="B")

    with pytest.raises(InsufficientStock) as error:
        services.dispense(item=item, location=van, quantity=8, by=nurse)

    message = str(error.value)
    assert "Amlodipine 5 mg tablet" in message and "8" in message and "7 available" in message
    assert isinstance(error.value, ConflictError)
    assert (error.value.requested, error.value.available) == (8, 7)
    assert sorted(Batch.objects.values_list("quantity", flat=True)) == [3, 4]
    assert StockMovement.objects.filter(kind=MovementKind.DISPENSE).count() == 0


def test_available_quantity_ignores_expired_and_other_locations(item, van, store, inventory_manager):
    stock(item, van, 7, by=inventory_manager)
    stock(item, store, 100, by=inventory_manager)
    expired_batch(item, van, 9, by=inventory_manager)

    assert available_quantity(item=item, location=van) == 7
    assert Item.objects.with_available_quantity(van).get(pk=item.pk).available_quantity == 7
    assert Item.objects.with_available_quantity().get(pk=item.pk).available_quantity == 107
    assert ItemFactory().available_at(van) == 0


def test_adjusting_needs_a_reason_and_cannot_go_below_zero(item, van, inventory_manager):
    batch = stock(item, van, 5, by=inventory_manager)

    with pytest.raises(RuleViolation, match="reason"):
        services.adjust(batch=batch, delta=-1, reason=" ", by=inventory_manager)
    with pytest.raises(InsufficientStock):
        services.adjust(batch=batch, delta=-6, reason="Count", by=inventory_manager)
    movement = services.adjust(batch=batch, delta=-2, reason="Two packs broken", by=inventory_manager)

    batch.refresh_from_db()
    assert (batch.quantity, movement.balance_after, movement.reason) == (3, 3, "Two packs broken")
    assert_ledger_agrees(batch)


def test_transferring_moves_stock_between_locations_as_a_pair_of_movements(item, van, store, inventory_manager):
    source = stock(item, store, 100, by=inventory_manager, batch_number="LOT9", unit_cost="2.00")

    out, into = services.transfer(batch=source, to_location=van, quantity=30, by=inventory_manager)

    target = Batch.objects.get(location=van, item=item)
    source.refresh_from_db()
    assert (source.quantity, target.quantity) == (70, 30)
    assert (target.batch_number, target.expiry_date, target.unit_cost) == ("LOT9", source.expiry_date, Decimal("2.00"))
    assert (out.kind, out.quantity, into.kind, into.quantity) == ("transfer_out", -30, "transfer_in", 30)
    assert StockMovement.objects.get(pk=out.pk).counterpart_id == into.pk
    assert_ledger_agrees()


def test_transferring_more_than_the_batch_holds_changes_nothing(item, van, store, inventory_manager):
    source = stock(item, store, 10, by=inventory_manager)

    with pytest.raises(InsufficientStock):
        services.transfer(batch=source, to_location=van, quantity=11, by=inventory_manager)

    assert not Batch.objects.filter(location=van).exists()
    assert StockMovement.objects.count() == 1


def test_transferring_to_the_same_location_is_refused(item, van, inventory_manager):
    batch = stock(item, van, 10, by=inventory_manager)

    with pytest.raises(RuleViolation):
        services.transfer(batch=batch, to_location=van, quantity=1, by=inventory_manager)


def test_writing_off_expired_stock_empties_only_expired_batches(item, van, store, inventory_manager):
    expired = expired_batch(item, van, 12, by=inventory_manager)
    elsewhere = expired_batch(item, store, 3, by=inventory_manager)
    valid = stock(item, van, 5, by=inventory_manager)

    movements = services.write_off_expired(by=inventory_manager, location=van)

    assert [(m.batch_id, m.quantity, m.kind) for m in movements] == [(expired.pk, -12, "expiry_write_off")]
    for batch, expected in ((expired, 0), (elsewhere, 3), (valid, 5)):
        batch.refresh_from_db()
        assert batch.quantity == expected
    assert services.write_off_expired(by=inventory_manager, location=van) == []
    assert_ledger_agrees()


def test_returning_stock_puts_it_back_into_the_batch(item, van, inventory_manager, nurse):
    batch = stock(item, van, 5, by=inventory_manager)
    services.dispense(item=item, location=van, quantity=3, by=nurse)

    movement = services.return_to_stock(batch=batch, quantity=1, by=nurse, reason="Patient did not need it")

    batch.refresh_from_db()
    assert (batch.quantity, movement.kind) == (3, "return")
    assert_ledger_agrees(batch)


def test_the_database_refuses_a_negative_batch_quantity(item, van, inventory_manager):
    batch = stock(item, van, 1, by=inventory_manager)

    # MariaDB refuses it as out of range for the unsigned column, SQLite by the check constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(quantity=-1)


def test_receiving_a_purchase_order_line_creates_batches_and_moves_the_order_on(van, inventory_manager):
    order = PurchaseOrderFactory(deliver_to=van)
    line = PurchaseOrderLineFactory(order=order, quantity_ordered=100, unit_cost=Decimal("0.85"))
    other = PurchaseOrderLineFactory(order=order, quantity_ordered=10)
    order.place()
    expiry = timezone.localdate() + timedelta(days=500)

    batch = services.receive_purchase_order_line(
        line=line, quantity=60, batch_number="PO-LOT", expiry_date=expiry, by=inventory_manager
    )

    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.status, line.quantity_received, batch.quantity, batch.supplier) == (
        PurchaseOrderStatus.PARTIALLY_RECEIVED,
        60,
        60,
        order.supplier,
    )
    assert batch.purchase_order_line == line
    assert StockMovement.objects.get(batch=batch).reference == order.order_number

    with pytest.raises(ConflictError, match="40"):
        services.receive_purchase_order_line(
            line=line, quantity=41, batch_number="PO-LOT", expiry_date=expiry, by=inventory_manager
        )
    services.receive_purchase_order_line(
        line=line, quantity=40, batch_number="PO-LOT", expiry_date=expiry, by=inventory_manager
    )
    services.receive_purchase_order_line(
        line=other, quantity=10, batch_number="X1", expiry_date=expiry, by=inventory_manager
    )
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.RECEIVED


def test_a_draft_purchase_order_cannot_be_received(van, inventory_manager):
    line = PurchaseOrderLineFactory(order=PurchaseOrderFactory(deliver_to=van))

    with pytest.raises(ConflictError, match="draft"):
        services.receive_purchase_order_line(
            line=line,
            quantity=1,
            batch_number="X",
            expiry_date=timezone.localdate() + timedelta(days=10),
            by=inventory_manager,
        )
    assert Batch.objects.count() == 0


def _run_in_threads(count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait()
            outcome = work(index)
            with lock:
                results.append(outcome)
        except Exception as error:  # collected and asserted on by the test
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


needs_real_locks = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has no row locks; the proof runs on MariaDB."
)


@pytest.mark.concurrency
@needs_real_locks
@pytest.mark.django_db(transaction=True)
def test_32_concurrent_dispenses_from_stock_of_20_give_exactly_20(inventory_manager, nurse):
    item = ItemFactory(name="Metformin 500 mg tablet")
    van = StockLocationFactory(code="VAN-01", name="Mobile Clinic 1")
    first = stock(item, van, 8, by=inventory_manager, days=30, batch_number="A")
    second = stock(item, van, 12, by=inventory_manager, days=60, batch_number="B")

    def work(index):
        return services.dispense(item=item, location=van, quantity=1, by=nurse, reference=f"T{index}")

    results, errors = _run_in_threads(32, work)

    assert len(results) == 20
    assert len(errors) == 12 and all(isinstance(e, InsufficientStock) for e in errors), errors
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity, second.quantity) == (0, 0)
    assert StockMovement.objects.filter(kind=MovementKind.DISPENSE).count() == 20
    assert_ledger_agrees(first, second)


@pytest.mark.concurrency
@needs_real_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_transfers_both_ways_keep_the_ledger_and_never_deadlock(inventory_manager):
    item = ItemFactory(name="Enalapril 10 mg tablet")
    store = StockLocationFactory(code="STORE", name="Central Store", kind="central_store")
    van = StockLocationFactory(code="VAN-02", name="Mobile Clinic 2")
    in_store = stock(item, store, 50, by=inventory_manager, batch_number="LOT")
    services.transfer(batch=in_store, to_location=van, quantity=50 // 2, by=inventory_manager)
    in_van = Batch.objects.get(location=van)

    def work(index):
        source, target = (in_store, van) if index % 2 else (in_van, store)
        return services.transfer(batch=source, to_location=target, quantity=1, by=inventory_manager)

    results, errors = _run_in_threads(16, work)

    assert (len(results), errors) == (16, [])
    assert Batch.objects.filter(item=item).values_list("quantity", flat=True).order_by().count() == 2
    assert sum(Batch.objects.filter(item=item).values_list("quantity", flat=True)) == 50
    assert_ledger_agrees()


@pytest.mark.concurrency
@needs_real_locks
@pytest.mark.django_db(transaction=True)
def test_dispensing_in_a_van_while_the_store_restocks_it_keeps_every_count(inventory_manager, nurse):
    item = ItemFactory(name="Losartan 50 mg tablet")
    store = StockLocationFactory(code="STORE", name="Central Store", kind="central_store")
    van = StockLocationFactory(code="VAN-04", name="Mobile Clinic 4")
    in_store = stock(item, store, 20, by=inventory_manager, batch_number="LOS-1")
    services.transfer(batch=in_store, to_location=van, quantity=10, by=inventory_manager)
    stock(item, van, 5, by=inventory_manager, days=30, batch_number="LOS-0")

    def work(index):
        if index % 2:
            return services.transfer(batch=in_store, to_location=van, quantity=1, by=inventory_manager)
        return services.dispense(item=item, location=van, quantity=1, by=nurse)

    results, errors = _run_in_threads(16, work)

    assert (len(results), errors) == (16, [])
    assert available_quantity(item=item, location=store) == 2
    assert available_quantity(item=item, location=van) == 15
    assert_ledger_agrees()
