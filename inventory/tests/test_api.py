import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from conftest import bearer_client
from inventory import services
from inventory.choices import AssetStatus, MovementKind, PurchaseOrderStatus
from inventory.models import (
    Asset,
    AssetMaintenance,
    AssetStatusChange,
    Batch,
    Item,
    PurchaseOrder,
    StockMovement,
)
from inventory.tests.factories import (
    AssetCategoryFactory,
    AssetFactory,
    ItemFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
    SupplierFactory,
)
from inventory.tests.helpers import assert_ledger_agrees, expired_batch, stock
from polmed.testing import assert_error

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def van():
    return StockLocationFactory(code="VAN-01", name="Mobile Clinic 1")


@pytest.fixture
def store():
    return StockLocationFactory(code="STORE", name="Central Store", kind="central_store")


@pytest.fixture
def manager_client(inventory_manager):
    return bearer_client(inventory_manager)


@pytest.fixture
def nurse_client(nurse):
    return bearer_client(nurse)


# --- Assets (the spec's requests) -----------------------------------------------------------


def spec_asset(**overrides):
    return {
        "asset_tag": "MED-BP-001",
        "asset_name": "Blood Pressure Monitor",
        "serial_number": "SN12345678",
        "category_id": AssetCategoryFactory().pk,
        "manufacturer": "Omron",
        "model": "M6 Comfort",
        "purchase_date": "2024-01-15",
        "warranty_expiry": "2026-01-15",
        "location": "Mobile Clinic 1",
        "purchase_cost": 2500.00,
        "status": "operational",
        **overrides,
    }


def test_creating_an_asset_as_in_the_spec_answers_201_with_the_message_and_the_asset(manager_client, van):
    response = manager_client.post("/api/inventory/assets", spec_asset(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True and body["message"] == "Asset created successfully"
    asset = Asset.objects.get(asset_tag="MED-BP-001")
    assert (asset.location, asset.purchase_cost, asset.status) == (van, Decimal("2500.00"), "operational")
    assert body["data"]["location"] == "Mobile Clinic 1" and body["data"]["id"] == asset.pk
    assert AssetStatusChange.objects.get(asset=asset).to_status == "operational"


def test_a_duplicate_asset_tag_is_a_409_and_saves_nothing(manager_client, van):
    AssetFactory(asset_tag="MED-BP-001")

    response = manager_client.post("/api/inventory/assets", spec_asset(), format="json")

    assert_error(response, 409, contains="MED-BP-001")
    assert Asset.objects.count() == 1


def test_changing_an_asset_tag_to_one_in_use_is_a_409(manager_client):
    AssetFactory(asset_tag="MED-BP-001")
    other = AssetFactory(asset_tag="MED-BP-002")

    response = manager_client.patch(f"/api/inventory/assets/{other.pk}", {"asset_tag": "MED-BP-001"}, format="json")

    assert_error(response, 409)
    other.refresh_from_db()
    assert other.asset_tag == "MED-BP-002"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"asset_tag": ""}, "asset_tag"),
        ({"location": "Nowhere Van"}, "location"),
        ({"status": "lost"}, "status"),
        ({"purchase_cost": -5}, "purchase_cost"),
        ({"warranty_expiry": "2023-01-01"}, "warranty_expiry"),
        ({"purchase_date": "15/01/2024"}, "purchase_date"),
    ],
)
def test_bad_asset_input_is_a_400_naming_the_field_and_saves_nothing(manager_client, van, overrides, field):
    response = manager_client.post("/api/inventory/assets", spec_asset(**overrides), format="json")

    body = assert_error(response, 400)
    assert field in body["details"]
    assert Asset.objects.count() == 0


def test_assets_are_filtered_by_status_and_paginated(client_for, van):
    for _ in range(3):
        AssetFactory(status=AssetStatus.OPERATIONAL)
    AssetFactory(status=AssetStatus.IN_REPAIR)

    response = client_for(Role.FINANCE).get("/api/inventory/assets?page=1&per_page=2&status=operational")

    body = response.json()
    assert response.status_code == 200
    assert [a["status"] for a in body["data"]] == ["operational", "operational"]
    assert body["pagination"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}


def test_an_asset_shows_its_straight_line_book_value(client_for):
    asset = AssetFactory(
        purchase_cost=Decimal("10000"),
        salvage_value=Decimal("1000"),
        useful_life_years=4,
        # A third of four years of 365.25 days.
        purchase_date=TODAY - timedelta(days=487),
    )

    data = client_for(Role.FINANCE).get(f"/api/inventory/assets/{asset.pk}").json()["data"]

    assert Decimal(str(data["book_value"])) == Decimal("7000.00")
    assert Decimal(str(data["accumulated_depreciation"])) == Decimal("3000.00")
    asset.purchase_date = TODAY - timedelta(days=365 * 5)
    assert asset.book_value() == Decimal("1000.00")
    asset.status = AssetStatus.DISPOSED
    assert asset.book_value() == Decimal("0.00")


def test_a_missing_asset_is_a_404(manager_client):
    assert_error(manager_client.get("/api/inventory/assets/999999"), 404)
    assert_error(manager_client.post("/api/inventory/assets/999999/transition", {"status": "retired"}), 404)


def test_an_asset_moves_through_its_lifecycle_with_history(manager_client, inventory_manager):
    asset = AssetFactory()

    response = manager_client.post(
        f"/api/inventory/assets/{asset.pk}/transition", {"status": "in_repair", "reason": "Cuff leaks"}, format="json"
    )

    assert response.status_code == 200, response.content
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REPAIR
    history = manager_client.get(f"/api/inventory/assets/{asset.pk}/history").json()["data"]
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in history] == [
        ("operational", "in_repair", "Cuff leaks")
    ]
    assert history[0]["changed_by"] == inventory_manager.pk


def test_a_forbidden_transition_is_a_400_and_changes_nothing(manager_client):
    asset = AssetFactory(status=AssetStatus.DISPOSED)

    response = manager_client.post(
        f"/api/inventory/assets/{asset.pk}/transition", {"status": "operational"}, format="json"
    )

    assert_error(response, 400, contains="cannot become operational")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DISPOSED
    assert not AssetStatusChange.objects.exists()


def test_retiring_an_asset_needs_a_reason(manager_client):
    asset = AssetFactory()

    response = manager_client.post(f"/api/inventory/assets/{asset.pk}/transition", {"status": "retired"})

    assert "reason" in assert_error(response, 400)["details"]


def test_status_cannot_be_changed_by_editing_the_asset(manager_client):
    asset = AssetFactory()

    response = manager_client.patch(f"/api/inventory/assets/{asset.pk}", {"status": "disposed"}, format="json")

    assert "status" in assert_error(response, 400)["details"]
    asset.refresh_from_db()
    assert asset.status == AssetStatus.OPERATIONAL


def test_recording_a_calibration_sets_the_next_due_date_from_the_interval(manager_client):
    asset = AssetFactory(calibration_interval_days=180, next_calibration_due=TODAY - timedelta(days=3))

    response = manager_client.post(
        "/api/inventory/asset-maintenance",
        {"asset": asset.pk, "kind": "calibration", "performed_on": str(TODAY), "certificate_number": "CAL-77"},
        format="json",
    )

    assert response.status_code == 201, response.content
    asset.refresh_from_db()
    assert asset.next_calibration_due == TODAY + timedelta(days=180)
    assert response.json()["data"]["next_due_date"] == str(TODAY + timedelta(days=180))


def test_maintenance_with_a_next_due_date_before_it_was_done_is_refused(manager_client):
    asset = AssetFactory()

    response = manager_client.post(
        "/api/inventory/asset-maintenance",
        {"asset": asset.pk, "kind": "preventive", "performed_on": str(TODAY), "next_due_date": str(TODAY)},
        format="json",
    )

    assert "next_due_date" in assert_error(response, 400)["details"]
    assert AssetMaintenance.objects.count() == 0


# --- Items, stock levels, batches -----------------------------------------------------------


def test_items_show_usable_stock_at_the_requested_location(nurse_client, inventory_manager, van, store):
    item = ItemFactory(name="Metformin 500 mg tablet")
    stock(item, van, 30, by=inventory_manager)
    stock(item, store, 500, by=inventory_manager)
    expired_batch(item, van, 40, by=inventory_manager)

    at_van = nurse_client.get(f"/api/inventory/items?location={van.pk}").json()["data"]
    everywhere = nurse_client.get("/api/inventory/items").json()["data"]

    assert at_van[0]["available_quantity"] == 30
    assert everywhere[0]["available_quantity"] == 530
    assert_error(nurse_client.get("/api/inventory/items?location=99999"), 400)


def test_a_duplicate_item_name_or_nappi_code_is_a_409(manager_client):
    ItemFactory(name="Amoxicillin 250 mg capsule", nappi_code="700123")

    by_name = manager_client.post("/api/inventory/items", {"name": "amoxicillin 250 mg capsule"}, format="json")
    by_nappi = manager_client.post("/api/inventory/items", {"name": "Other", "nappi_code": "700123"}, format="json")

    assert_error(by_name, 409)
    assert_error(by_nappi, 409)
    assert Item.objects.count() == 1


def test_a_nappi_code_must_be_digits(manager_client):
    response = manager_client.post("/api/inventory/items", {"name": "X", "nappi_code": "ABC"}, format="json")

    assert "nappi_code" in assert_error(response, 400)["details"]
    assert Item.objects.count() == 0


def test_receiving_stock_through_the_api_writes_a_receipt(manager_client, inventory_manager, van):
    item = ItemFactory()
    supplier = SupplierFactory()

    response = manager_client.post(
        "/api/inventory/batches",
        {
            "item": item.pk,
            "location": van.pk,
            "batch_number": "LOT-1",
            "expiry_date": str(TODAY + timedelta(days=300)),
            "quantity": 100,
            "unit_cost": "0.35",
            "supplier": supplier.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["data"]["quantity_current"] == 100
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.quantity, movement.created_by) == ("receipt", 100, inventory_manager)


def test_receiving_an_expired_batch_is_a_400_and_saves_nothing(manager_client, van):
    item = ItemFactory()

    response = manager_client.post(
        "/api/inventory/batches",
        {
            "item": item.pk,
            "location": van.pk,
            "batch_number": "OLD",
            "expiry_date": str(TODAY - timedelta(days=1)),
            "quantity": 10,
            "unit_cost": "1",
        },
        format="json",
    )

    assert "expiry_date" in assert_error(response, 400)["details"]
    assert (Batch.objects.count(), StockMovement.objects.count()) == (0, 0)


def test_an_adjustment_beyond_the_stock_is_a_409_and_changes_nothing(manager_client, inventory_manager, van):
    batch = stock(ItemFactory(name="Salbutamol 100 mcg inhaler"), van, 3, by=inventory_manager)

    response = manager_client.post(
        f"/api/inventory/batches/{batch.pk}/adjust", {"delta": -4, "reason": "Count"}, format="json"
    )

    assert_error(response, 409, contains="Salbutamol 100 mcg inhaler")
    batch.refresh_from_db()
    assert batch.quantity == 3 and StockMovement.objects.count() == 1


def test_an_adjustment_without_a_reason_is_a_400(manager_client, inventory_manager, van):
    batch = stock(ItemFactory(), van, 3, by=inventory_manager)

    response = manager_client.post(f"/api/inventory/batches/{batch.pk}/adjust", {"delta": -1}, format="json")

    assert "reason" in assert_error(response, 400)["details"]
    assert StockMovement.objects.count() == 1


def test_transferring_through_the_api_returns_both_ledger_lines(manager_client, inventory_manager, van, store):
    batch = stock(ItemFactory(), store, 50, by=inventory_manager)

    response = manager_client.post(
        f"/api/inventory/batches/{batch.pk}/transfer", {"to_location": van.pk, "quantity": 20}, format="json"
    )

    assert response.status_code == 200, response.content
    assert [(m["kind"], m["quantity"], m["location"]) for m in response.json()["data"]] == [
        ("transfer_out", -20, store.pk),
        ("transfer_in", 20, van.pk),
    ]
    assert Batch.objects.get(location=van).quantity == 20
    assert_ledger_agrees()


def test_writing_off_expired_stock_through_the_api(manager_client, inventory_manager, van):
    expired = expired_batch(ItemFactory(), van, 8, by=inventory_manager)

    response = manager_client.post("/api/inventory/batches/write-off-expired", {"location": van.pk}, format="json")

    assert response.status_code == 200
    assert [m["quantity"] for m in response.json()["data"]] == [-8]
    expired.refresh_from_db()
    assert expired.quantity == 0


def test_the_ledger_lists_movements_with_who_made_them(manager_client, inventory_manager, nurse, van):
    item = ItemFactory()
    stock(item, van, 10, by=inventory_manager)
    services.dispense(item=item, location=van, quantity=4, by=nurse, reference="VISIT-9")

    data = manager_client.get("/api/inventory/movements?kind=dispense").json()["data"]

    assert [(m["kind"], m["quantity"], m["reference"], m["created_by"]) for m in data] == [
        ("dispense", -4, "VISIT-9", nurse.pk)
    ]


def test_a_duplicate_stock_level_is_a_409(manager_client, van):
    level = StockLevelFactory(location=van)

    response = manager_client.post(
        "/api/inventory/stock-levels", {"item": level.item_id, "location": van.pk, "reorder_level": 5}, format="json"
    )

    assert_error(response, 409)


def test_a_location_holding_batches_cannot_be_deleted(manager_client, inventory_manager, van):
    stock(ItemFactory(), van, 1, by=inventory_manager)

    assert_error(manager_client.delete(f"/api/inventory/locations/{van.pk}"), 409)


# --- Purchase orders ------------------------------------------------------------------------


def test_a_purchase_order_is_created_placed_and_received_into_stock(manager_client, store):
    supplier = SupplierFactory(lead_time_days=4)
    item = ItemFactory(name="Hydrochlorothiazide 12.5 mg tablet")

    created = manager_client.post(
        "/api/inventory/purchase-orders",
        {
            "supplier": supplier.pk,
            "deliver_to": store.pk,
            "lines": [{"item": item.pk, "quantity_ordered": 500, "unit_cost": "0.12"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    order = PurchaseOrder.objects.get()
    line = order.lines.get()
    assert created.json()["data"]["order_number"] == order.order_number

    placed = manager_client.post(f"/api/inventory/purchase-orders/{order.pk}/place")
    assert placed.status_code == 200
    assert placed.json()["data"]["expected_date"] == str(TODAY + timedelta(days=4))

    expiry = str(TODAY + timedelta(days=700))
    received = manager_client.post(
        f"/api/inventory/purchase-orders/{order.pk}/receive",
        {"lines": [{"line": line.pk, "quantity": 200, "batch_number": "HCT-1", "expiry_date": expiry}]},
        format="json",
    )
    assert received.status_code == 200, received.content
    assert received.json()["data"]["status"] == "partially_received"
    batch = Batch.objects.get(item=item, location=store)
    assert (batch.quantity, batch.supplier, batch.unit_cost) == (200, supplier, Decimal("0.1200"))

    too_many = manager_client.post(
        f"/api/inventory/purchase-orders/{order.pk}/receive",
        {"lines": [{"line": line.pk, "quantity": 301, "batch_number": "HCT-1", "expiry_date": expiry}]},
        format="json",
    )
    assert_error(too_many, 409, contains="300")
    batch.refresh_from_db()
    assert batch.quantity == 200


def test_receiving_a_line_of_another_order_is_a_400_and_receives_nothing(manager_client, store):
    order = PurchaseOrderFactory(deliver_to=store)
    line = PurchaseOrderLineFactory(order=order)
    order.place()
    other = PurchaseOrderLineFactory()
    expiry = str(TODAY + timedelta(days=700))

    response = manager_client.post(
        f"/api/inventory/purchase-orders/{order.pk}/receive",
        {
            "lines": [
                {"line": line.pk, "quantity": 5, "batch_number": "A", "expiry_date": expiry},
                {"line": other.pk, "quantity": 5, "batch_number": "B", "expiry_date": expiry},
            ]
        },
        format="json",
    )

    assert_error(response, 400)
    assert Batch.objects.count() == 0
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.ORDERED


def test_a_placed_order_cannot_be_deleted_but_can_be_cancelled(manager_client, store):
    order = PurchaseOrderFactory(deliver_to=store)
    PurchaseOrderLineFactory(order=order)
    order.place()

    assert_error(manager_client.delete(f"/api/inventory/purchase-orders/{order.pk}"), 409)
    assert manager_client.post(f"/api/inventory/purchase-orders/{order.pk}/cancel").status_code == 200
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.CANCELLED


# --- Alerts ---------------------------------------------------------------------------------


def test_expiry_alerts_have_exactly_the_spec_fields_plus_location(nurse_client, inventory_manager, van, store):
    item = ItemFactory(name="Aspirin 300 mg tablet")
    soon = stock(item, van, 45, by=inventory_manager, days=42, batch_number="BATCH-001")
    stock(item, van, 10, by=inventory_manager, days=200, batch_number="LATER")
    stock(item, store, 10, by=inventory_manager, days=10, batch_number="STORE-1")
    expired_batch(item, van, 5, by=inventory_manager)

    response = nurse_client.get(f"/api/inventory/alerts/expiry?days_ahead=90&location={van.pk}")

    assert response.status_code == 200
    assert response.json()["data"] == [
        {
            "id": soon.pk,
            "batch_number": "BATCH-001",
            "item_name": "Aspirin 300 mg tablet",
            "expiry_date": str(TODAY + timedelta(days=42)),
            "quantity_current": 45,
            "days_until_expiry": 42,
            "location": "Mobile Clinic 1",
        }
    ]
    everywhere = nurse_client.get("/api/inventory/alerts/expiry?days_ahead=90").json()["data"]
    assert [a["batch_number"] for a in everywhere] == ["STORE-1", "BATCH-001"]


@pytest.mark.parametrize("days", ["-1", "abc", "4000"])
def test_a_bad_days_ahead_is_a_400(nurse_client, days):
    assert (
        "days_ahead"
        in assert_error(nurse_client.get(f"/api/inventory/alerts/expiry?days_ahead={days}"), 400)["details"]
    )


def test_low_stock_alerts_list_items_at_or_below_their_reorder_level(nurse_client, inventory_manager, van):
    low = StockLevelFactory(location=van, reorder_level=20, item=ItemFactory(name="Enalapril 10 mg tablet"))
    fine = StockLevelFactory(location=van, reorder_level=5)
    stock(low.item, van, 20, by=inventory_manager)
    expired_batch(low.item, van, 100, by=inventory_manager)
    stock(fine.item, van, 6, by=inventory_manager)

    data = nurse_client.get(f"/api/inventory/alerts/low-stock?location={van.pk}").json()["data"]

    assert [(a["item_name"], a["available_quantity"], a["reorder_level"], a["location"]) for a in data] == [
        ("Enalapril 10 mg tablet", 20, 20, "Mobile Clinic 1")
    ]


def test_calibration_and_warranty_alerts(client_for):
    due = AssetFactory(next_calibration_due=TODAY + timedelta(days=10), warranty_expiry=TODAY + timedelta(days=60))
    AssetFactory(next_calibration_due=TODAY + timedelta(days=100))
    AssetFactory(next_calibration_due=TODAY, status=AssetStatus.DISPOSED)
    client = client_for(Role.INVENTORY_MANAGER)

    calibration = client.get("/api/inventory/alerts/calibration?days_ahead=30").json()["data"]
    warranty = client.get("/api/inventory/alerts/warranty?days_ahead=90").json()["data"]

    assert [(a["asset_tag"], a["days_until_due"]) for a in calibration] == [(due.asset_tag, 10)]
    assert [(a["asset_tag"], a["days_until_due"]) for a in warranty] == [(due.asset_tag, 60)]


# --- Usage and cost -------------------------------------------------------------------------


def test_usage_counts_dispensed_stock_per_item_and_location_at_the_cost_of_the_batches_used(
    client_for, inventory_manager, nurse, van, store
):
    item = ItemFactory(name="Amlodipine 5 mg tablet")
    stock(item, van, 10, by=inventory_manager, days=30, batch_number="CHEAP", unit_cost="0.50")
    pricey = stock(item, van, 10, by=inventory_manager, days=60, batch_number="DEAR", unit_cost="2.00")
    stock(item, store, 10, by=inventory_manager, unit_cost="9.00")
    services.dispense(item=item, location=van, quantity=12, by=nurse)
    services.return_to_stock(batch=pricey, quantity=1, by=nurse)
    services.dispense(item=item, location=store, quantity=1, by=nurse)

    response = client_for(Role.FINANCE).get(f"/api/inventory/usage?location={van.pk}")

    body = response.json()
    assert response.status_code == 200
    assert body["data"] == [
        {
            "month": TODAY.strftime("%Y-%m"),
            "item_id": item.pk,
            "item_name": "Amlodipine 5 mg tablet",
            "unit_of_issue": "tablet",
            "location_id": van.pk,
            "location": "Mobile Clinic 1",
            "quantity": 11,
            "cost": 7.0,
        }
    ]
    assert body["pagination"]["total"] == 1
    outside = client_for(Role.FINANCE).get(f"/api/inventory/usage?date_to={TODAY - timedelta(days=1)}").json()
    assert outside["data"] == []


def test_usage_with_a_reversed_date_range_is_a_400(client_for):
    response = client_for(Role.FINANCE).get("/api/inventory/usage?date_from=2026-05-01&date_to=2026-04-01")

    assert "date_from" in assert_error(response, 400)["details"]


# --- Query counts ---------------------------------------------------------------------------


def _build(n, inventory_manager, nurse):
    store = StockLocationFactory(code="STORE", name="Central Store", kind="central_store")
    van = StockLocationFactory(code="VAN-01", name="Mobile Clinic 1")
    supplier = SupplierFactory()
    for _ in range(n):
        item = ItemFactory()
        batch = stock(item, van, 10, by=inventory_manager, days=20)
        batch.supplier = supplier
        batch.save()
        services.dispense(item=item, location=van, quantity=1, by=nurse)
        StockLevelFactory(item=item, location=van, reorder_level=50)
        AssetFactory(location=van, next_calibration_due=TODAY, warranty_expiry=TODAY + timedelta(days=5))
        order = PurchaseOrderFactory(deliver_to=store, supplier=supplier)
        PurchaseOrderLineFactory(order=order, item=item)
        PurchaseOrderLineFactory(order=order)
    return van


LISTS = [
    "/api/inventory/assets",
    "/api/inventory/items",
    "/api/inventory/items?location={van}",
    "/api/inventory/stock-levels",
    "/api/inventory/batches",
    "/api/inventory/movements",
    "/api/inventory/purchase-orders",
    "/api/inventory/locations",
    "/api/inventory/alerts/expiry?days_ahead=90",
    "/api/inventory/alerts/low-stock",
    "/api/inventory/alerts/calibration",
    "/api/inventory/alerts/warranty",
    "/api/inventory/usage",
]


@pytest.mark.parametrize("path", LISTS)
def test_lists_run_a_constant_number_of_queries(
    path, administrator, inventory_manager, nurse, django_assert_max_num_queries
):
    client = bearer_client(administrator)
    van = _build(1, inventory_manager, nurse)
    url = path.format(van=van.pk) + ("&" if "?" in path else "?") + "per_page=100"
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()["data"]) >= 1
    _build_more(49, inventory_manager, nurse, van)

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(url).json()["data"]) >= 50


def _build_more(n, inventory_manager, nurse, van):
    store = StockLocationFactory(code="STORE")
    supplier = SupplierFactory()
    for _ in range(n):
        item = ItemFactory()
        stock(item, van, 10, by=inventory_manager, days=20)
        services.dispense(item=item, location=van, quantity=1, by=nurse)
        StockLevelFactory(item=item, location=van, reorder_level=50)
        AssetFactory(
            location=StockLocationFactory(), next_calibration_due=TODAY, warranty_expiry=TODAY + timedelta(days=5)
        )
        order = PurchaseOrderFactory(deliver_to=store, supplier=supplier)
        PurchaseOrderLineFactory(order=order, item=item)
        PurchaseOrderLineFactory(order=order)


# --- Concurrency through the API ------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; the proof runs on MariaDB.")
@pytest.mark.django_db(transaction=True)
def test_32_concurrent_api_adjustments_of_minus_one_from_20_leave_exactly_zero(user_with_role):
    manager = user_with_role(Role.INVENTORY_MANAGER)
    van = StockLocationFactory(code="VAN-03", name="Mobile Clinic 3")
    batch = stock(ItemFactory(name="Ferrous sulfate 200 mg tablet"), van, 20, by=manager)
    clients = [bearer_client(manager) for _ in range(32)]
    barrier = threading.Barrier(32)
    statuses = []
    lock = threading.Lock()

    def run(client):
        try:
            barrier.wait()
            response = client.post(
                f"/api/inventory/batches/{batch.pk}/adjust", {"delta": -1, "reason": "Count"}, format="json"
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 20 + [409] * 12
    batch.refresh_from_db()
    assert batch.quantity == 0
    assert StockMovement.objects.filter(batch=batch, kind=MovementKind.ADJUSTMENT).count() == 20
    assert_ledger_agrees(batch)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/inventory/items/999999"),
        ("PATCH", "/api/inventory/items/999999"),
        ("GET", "/api/inventory/batches/999999"),
        ("POST", "/api/inventory/batches/999999/adjust"),
        ("POST", "/api/inventory/batches/999999/transfer"),
        ("GET", "/api/inventory/movements/999999"),
        ("GET", "/api/inventory/locations/999999"),
        ("DELETE", "/api/inventory/suppliers/999999"),
        ("GET", "/api/inventory/stock-levels/999999"),
        ("GET", "/api/inventory/asset-maintenance/999999"),
        ("GET", "/api/inventory/assets/999999/history"),
        ("POST", "/api/inventory/purchase-orders/999999/receive"),
        ("POST", "/api/inventory/purchase-orders/999999/place"),
    ],
)
def test_a_missing_object_is_a_404(manager_client, method, path):
    assert_error(manager_client.generic(method, path, data="{}", content_type="application/json"), 404)


def test_receiving_against_an_unknown_item_is_a_400(manager_client, van):
    response = manager_client.post(
        "/api/inventory/batches",
        {
            "item": 999999,
            "location": van.pk,
            "batch_number": "X",
            "expiry_date": str(TODAY + timedelta(days=9)),
            "quantity": 1,
            "unit_cost": "1",
        },
        format="json",
    )

    assert "item" in assert_error(response, 400)["details"]
    assert Batch.objects.count() == 0


def test_transferring_an_expired_batch_is_a_409(manager_client, inventory_manager, van, store):
    batch = expired_batch(ItemFactory(), van, 5, by=inventory_manager)

    response = manager_client.post(
        f"/api/inventory/batches/{batch.pk}/transfer", {"to_location": store.pk, "quantity": 1}, format="json"
    )

    assert_error(response, 409, contains="expired")
    assert not Batch.objects.filter(location=store).exists()


def test_an_order_with_the_same_item_on_two_lines_is_a_400_and_saves_nothing(manager_client, store):
    supplier, item = SupplierFactory(), ItemFactory()

    response = manager_client.post(
        "/api/inventory/purchase-orders",
        {
            "supplier": supplier.pk,
            "deliver_to": store.pk,
            "lines": [{"item": item.pk, "quantity_ordered": 5}, {"item": item.pk, "quantity_ordered": 7}],
        },
        format="json",
    )

    assert "lines" in assert_error(response, 400)["details"]
    assert PurchaseOrder.objects.count() == 0


def test_the_lines_of_a_placed_order_cannot_be_changed(manager_client, store):
    order = PurchaseOrderFactory(deliver_to=store)
    line = PurchaseOrderLineFactory(order=order, quantity_ordered=10)
    order.place()

    response = manager_client.patch(
        f"/api/inventory/purchase-orders/{order.pk}",
        {"lines": [{"item": line.item_id, "quantity_ordered": 99}]},
        format="json",
    )

    assert "lines" in assert_error(response, 400)["details"]
    line.refresh_from_db()
    assert line.quantity_ordered == 10


def test_placing_an_order_without_lines_is_a_400(manager_client, store):
    order = PurchaseOrderFactory(deliver_to=store)

    response = manager_client.post(f"/api/inventory/purchase-orders/{order.pk}/place")

    assert "lines" in assert_error(response, 400)["details"]
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.DRAFT
