"""Demo inventory: the central store and four vans stocked with South African primary-care
medicines (Essential Medicines List, primary health care level) and supplies, with some batches
expiring within 30 days, some items below their reorder level, three months of dispensing for
the usage report, equipment in several states, suppliers and purchase orders.

Idempotent: every record has a natural key (location code, item name, batch number, asset tag,
order number) and is only created when missing, so running it again changes nothing.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from inventory.choices import AssetStatus, ItemKind, LocationKind, MaintenanceKind, MovementKind, PurchaseOrderStatus
from inventory.models import (
    Asset,
    AssetCategory,
    AssetMaintenance,
    AssetStatusChange,
    Batch,
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    StockMovement,
    Supplier,
)

LOCATIONS = [
    ("STORE", "Central Store", LocationKind.CENTRAL_STORE, "POLMED clinic depot, Centurion, Gauteng"),
    ("VAN-01", "Mobile Clinic 1", LocationKind.MOBILE_UNIT, "Garaged at the Pretoria Central SAPS precinct"),
    ("VAN-02", "Mobile Clinic 2", LocationKind.MOBILE_UNIT, "Garaged in Durban, KwaZulu-Natal"),
    ("VAN-03", "Mobile Clinic 3", LocationKind.MOBILE_UNIT, "Garaged in Cape Town, Western Cape"),
    ("VAN-04", "Mobile Clinic 4", LocationKind.MOBILE_UNIT, "Garaged in Polokwane, Limpopo"),
]

SUPPLIERS = [
    ("Highveld Pharmaceutical Wholesalers", "Naledi Sithole", "orders@highveld-pharma.example.co.za", 5),
    ("Cape Medical and Surgical Supplies", "Ruan Jacobs", "sales@capemedsurg.example.co.za", 7),
    ("Umgeni Diagnostics", "Sibusiso Zulu", "service@umgenidx.example.co.za", 14),
]

# name, kind, unit of issue, unit cost (ZAR), van reorder level, store reorder level
ITEMS = [
    ("Paracetamol 500 mg tablet", ItemKind.MEDICINE, "tablet", "0.08", 200, 2000),
    ("Ibuprofen 400 mg tablet", ItemKind.MEDICINE, "tablet", "0.12", 100, 1000),
    ("Amoxicillin 500 mg capsule", ItemKind.MEDICINE, "capsule", "0.45", 150, 1500),
    ("Amlodipine 5 mg tablet", ItemKind.MEDICINE, "tablet", "0.10", 300, 3000),
    ("Enalapril 10 mg tablet", ItemKind.MEDICINE, "tablet", "0.09", 300, 3000),
    ("Hydrochlorothiazide 12.5 mg tablet", ItemKind.MEDICINE, "tablet", "0.06", 300, 3000),
    ("Metformin 500 mg tablet", ItemKind.MEDICINE, "tablet", "0.07", 400, 4000),
    ("Gliclazide 80 mg tablet", ItemKind.MEDICINE, "tablet", "0.15", 150, 1500),
    ("Simvastatin 20 mg tablet", ItemKind.MEDICINE, "tablet", "0.11", 200, 2000),
    ("Salbutamol 100 mcg/dose inhaler (200 doses)", ItemKind.MEDICINE, "inhaler", "28.50", 10, 100),
    ("Budesonide 200 mcg/dose inhaler (200 doses)", ItemKind.MEDICINE, "inhaler", "64.00", 5, 50),
    ("Chlorphenamine 4 mg tablet", ItemKind.MEDICINE, "tablet", "0.05", 100, 1000),
    ("Cetirizine 10 mg tablet", ItemKind.MEDICINE, "tablet", "0.09", 100, 1000),
    ("Oral rehydration salts sachet", ItemKind.MEDICINE, "sachet", "1.20", 40, 400),
    ("Ferrous sulfate compound 170 mg tablet", ItemKind.MEDICINE, "tablet", "0.04", 200, 2000),
    ("Folic acid 5 mg tablet", ItemKind.MEDICINE, "tablet", "0.03", 100, 1000),
    ("Metronidazole 400 mg tablet", ItemKind.MEDICINE, "tablet", "0.18", 100, 1000),
    ("Doxycycline 100 mg capsule", ItemKind.MEDICINE, "capsule", "0.35", 60, 600),
    ("Omeprazole 20 mg capsule", ItemKind.MEDICINE, "capsule", "0.22", 100, 1000),
    ("Loperamide 2 mg capsule", ItemKind.MEDICINE, "capsule", "0.14", 50, 500),
    ("Hydrocortisone 1% cream 20 g", ItemKind.MEDICINE, "tube", "9.80", 10, 100),
    ("Clotrimazole 1% cream 20 g", ItemKind.MEDICINE, "tube", "7.40", 10, 100),
    ("Tenofovir/lamivudine/dolutegravir 300/300/50 mg tablet", ItemKind.MEDICINE, "tablet", "2.10", 90, 900),
    ("Examination gloves, nitrile, medium (box of 100)", ItemKind.SUPPLY, "box", "68.00", 5, 50),
    ("Surgical face mask, 3-ply", ItemKind.SUPPLY, "each", "0.90", 100, 1000),
    ("Alcohol swab 70% isopropyl", ItemKind.SUPPLY, "each", "0.15", 200, 2000),
    ("Blood glucose test strip", ItemKind.SUPPLY, "strip", "3.20", 100, 1000),
    ("Safety lancet 28G", ItemKind.SUPPLY, "each", "0.60", 100, 1000),
    ("HIV-1/2 rapid test kit", ItemKind.SUPPLY, "test", "18.00", 40, 400),
    ("Urine reagent strip, 10 parameter", ItemKind.SUPPLY, "strip", "2.40", 50, 500),
    ("Syringe 5 mL, Luer lock", ItemKind.SUPPLY, "each", "1.10", 50, 500),
    ("Gauze swab 10 x 10 cm, sterile", ItemKind.SUPPLY, "pack", "2.80", 30, 300),
    ("Crepe bandage 75 mm", ItemKind.SUPPLY, "each", "6.50", 10, 100),
]

CATEGORIES = [
    ("Diagnostic equipment", 5),
    ("Emergency equipment", 7),
    ("Cold chain", 8),
    ("IT and communication", 3),
]

# tag, name, category, manufacturer, model, location code, cost, years ago bought, history of statuses
ASSETS = [
    ("MED-BP-001", "Blood Pressure Monitor", "Diagnostic equipment", "Omron", "M6 Comfort", "VAN-01", "2500.00", 2, []),
    (
        "MED-BP-002",
        "Blood Pressure Monitor",
        "Diagnostic equipment",
        "Omron",
        "M6 Comfort",
        "VAN-02",
        "2500.00",
        2,
        [AssetStatus.IN_REPAIR],
    ),
    ("MED-BP-003", "Blood Pressure Monitor", "Diagnostic equipment", "Omron", "M3", "VAN-03", "1800.00", 4, []),
    (
        "MED-ECG-001",
        "12-lead ECG machine",
        "Diagnostic equipment",
        "Schiller",
        "Cardiovit AT-102",
        "VAN-01",
        "68000.00",
        3,
        [],
    ),
    ("MED-GLU-001", "Glucometer", "Diagnostic equipment", "Roche", "Accu-Chek Instant", "VAN-04", "450.00", 1, []),
    (
        "MED-SPO-001",
        "Pulse oximeter",
        "Diagnostic equipment",
        "Nonin",
        "Onyx Vantage 9590",
        "VAN-02",
        "3900.00",
        3,
        [AssetStatus.UNDER_MAINTENANCE],
    ),
    (
        "MED-AED-001",
        "Automated external defibrillator",
        "Emergency equipment",
        "Philips",
        "HeartStart FRx",
        "VAN-01",
        "32000.00",
        5,
        [],
    ),
    (
        "MED-AED-002",
        "Automated external defibrillator",
        "Emergency equipment",
        "Philips",
        "HeartStart HS1",
        "STORE",
        "27000.00",
        9,
        [AssetStatus.OUT_OF_SERVICE],
    ),
    ("MED-FRG-001", "Vaccine refrigerator", "Cold chain", "Dometic", "CFX3 45", "VAN-03", "14500.00", 4, []),
    (
        "MED-SCL-001",
        "Digital weighing scale",
        "Diagnostic equipment",
        "Seca",
        "813",
        "STORE",
        "1200.00",
        8,
        [AssetStatus.OUT_OF_SERVICE, AssetStatus.RETIRED],
    ),
    (
        "IT-TAB-001",
        "Registration tablet",
        "IT and communication",
        "Samsung",
        "Galaxy Tab A9+",
        "VAN-04",
        "5200.00",
        4,
        [AssetStatus.OUT_OF_SERVICE, AssetStatus.RETIRED, AssetStatus.DISPOSED],
    ),
]


def seed(*, password: str, log) -> None:
    today = timezone.localdate()
    manager = User.objects.filter(email="inventory@demo.polmed.co.za").first() or User.objects.order_by("pk").first()
    locations = _locations(log)
    suppliers = _suppliers(log)
    items = _items(log)
    _stock_levels(items, locations)
    _stock(items, locations, suppliers, manager, today, log)
    _assets(locations, manager, today, log)
    _purchase_orders(items, locations, suppliers, manager, today, log)


def _locations(log):
    for code, name, kind, address in LOCATIONS:
        StockLocation.objects.update_or_create(code=code, defaults={"name": name, "kind": kind, "address": address})
    log(f"Stock locations: {', '.join(code for code, *_ in LOCATIONS)}")
    return {loc.code: loc for loc in StockLocation.objects.filter(code__in=[c for c, *_ in LOCATIONS])}


def _suppliers(log):
    existing = set(Supplier.objects.values_list("name", flat=True))
    Supplier.objects.bulk_create(
        Supplier(name=name, contact_person=person, email=email, lead_time_days=days)
        for name, person, email, days in SUPPLIERS
        if name not in existing
    )
    log(f"Suppliers: {len(SUPPLIERS)}")
    return list(Supplier.objects.filter(name__in=[s[0] for s in SUPPLIERS]).order_by("name"))


def _items(log):
    existing = set(Item.objects.values_list("name", flat=True))
    Item.objects.bulk_create(
        Item(name=name, kind=kind, unit_of_issue=unit, default_reorder_level=van_level)
        for name, kind, unit, _cost, van_level, _store_level in ITEMS
        if name not in existing
    )
    log(f"Items: {len(ITEMS)}")
    return {item.name: item for item in Item.objects.filter(name__in=[i[0] for i in ITEMS])}


def _stock_levels(items, locations):
    levels = []
    for name, _kind, _unit, _cost, van_level, store_level in ITEMS:
        for code, location in locations.items():
            level = store_level if code == "STORE" else van_level
            levels.append(
                StockLevel(item=items[name], location=location, reorder_level=level, reorder_quantity=level * 3)
            )
    StockLevel.objects.bulk_create(levels, ignore_conflicts=True)


def _stock(items, locations, suppliers, manager, today, log):
    """Batches with their ledger: a receipt three months ago, then monthly dispensing."""
    rng = random.Random(20261204)
    existing = set(Batch.objects.values_list("item_id", "location_id", "batch_number"))
    now = timezone.now()
    plans = []
    for index, (name, _kind, _unit, cost, van_level, store_level) in enumerate(ITEMS):
        item = items[name]
        for code, location in locations.items():
            # Two batches per item and place, one older and one newer, about twice the reorder level each.
            level = store_level if code == "STORE" else van_level
            prefix = "".join(word[0] for word in name.split()[:3]).upper()
            if code != "STORE" and index % 5 == 1:
                # Running low: one batch holding about half the reorder level.
                plans.append(
                    (item, location, f"{prefix}{index:02d}{code[-2:]}A", rng.randint(200, 500), level // 2, cost)
                )
                continue
            older_days = rng.randint(120, 400)
            if code != "STORE" and index % 7 == 0:
                older_days = rng.randint(8, 28)  # expiring within 30 days
            plans.append((item, location, f"{prefix}{index:02d}{code[-2:]}A", older_days, level * 2, cost))
            plans.append((item, location, f"{prefix}{index:02d}{code[-2:]}B", rng.randint(400, 900), level * 2, cost))
    # One expired batch still on a shelf, waiting to be written off.
    plans.append((items["Amoxicillin 500 mg capsule"], locations["VAN-02"], "AMX-OLD-01", -12, 40, "0.45"))

    new_batches, histories = [], []
    for item, location, batch_number, expiry_days, on_hand, cost in plans:
        if (item.pk, location.pk, batch_number) in existing:
            continue
        used = [rng.randint(0, max(on_hand // 6, 1)) for _ in range(3)]
        received = max(on_hand, 1) + sum(used)
        received_at = now - timedelta(days=95)
        new_batches.append(
            Batch(
                item=item,
                location=location,
                batch_number=batch_number,
                expiry_date=today + timedelta(days=expiry_days),
                quantity_received=received,
                quantity=received - sum(used),
                unit_cost=Decimal(cost),
                supplier=suppliers[len(new_batches) % len(suppliers)],
                received_date=received_at.date(),
            )
        )
        histories.append((received, used, received_at))
    created = Batch.objects.bulk_create(new_batches)
    if created and created[0].pk is None:  # backends that do not return ids from bulk inserts
        lookup = {
            (b.item_id, b.location_id, b.batch_number): b
            for b in Batch.objects.filter(batch_number__in=[b.batch_number for b in new_batches])
        }
        created = [lookup[(b.item_id, b.location_id, b.batch_number)] for b in new_batches]

    movements = []
    for batch, (received, used, received_at) in zip(created, histories, strict=True):
        balance = received
        movements.append(
            _movement(batch, MovementKind.RECEIPT, received, balance, manager, received_at, "Opening stock")
        )
        for month, quantity in enumerate(used):
            if quantity:
                balance -= quantity
                when = received_at + timedelta(days=30 * (month + 1))
                movements.append(
                    _movement(
                        batch,
                        MovementKind.DISPENSE,
                        -quantity,
                        balance,
                        manager,
                        when,
                        f"Clinic days, month {month + 1}",
                    )
                )
    StockMovement.objects.bulk_create(movements)
    log(f"Batches: {len(created)} new, with {len(movements)} ledger lines")


def _movement(batch, kind, quantity, balance, user, when, reference):
    return StockMovement(
        batch=batch,
        item_id=batch.item_id,
        location_id=batch.location_id,
        kind=kind,
        quantity=quantity,
        unit_cost=batch.unit_cost,
        balance_after=balance,
        reference=reference,
        created_by=user,
        created_at=when,
    )


def _assets(locations, manager, today, log):
    categories = {}
    for name, life in CATEGORIES:
        categories[name], _ = AssetCategory.objects.get_or_create(
            name=name, defaults={"default_useful_life_years": life}
        )
    existing = set(Asset.objects.values_list("asset_tag", flat=True))
    new_assets, histories = [], []
    for index, (tag, name, category, make, model, code, cost, years, history) in enumerate(ASSETS):
        if tag in existing:
            continue
        bought = today - timedelta(days=365 * years + 30)
        calibrates = category == "Diagnostic equipment" and "Glucometer" not in name
        new_assets.append(
            Asset(
                asset_tag=tag,
                asset_name=name,
                serial_number=f"{make[:3].upper()}{2018 + index}{index:04d}",
                category=categories[category],
                manufacturer=make,
                model=model,
                purchase_date=bought,
                warranty_expiry=bought + timedelta(days=365 * 2 + (60 if index == 4 else 0)),
                location=locations[code],
                purchase_cost=Decimal(cost),
                salvage_value=(Decimal(cost) * Decimal("0.10")).quantize(Decimal("0.01")),
                status=history[-1] if history else AssetStatus.OPERATIONAL,
                calibration_interval_days=365 if calibrates else None,
                # Some are due within the month, to show the calibration alert.
                next_calibration_due=(today + timedelta(days=(index * 23) % 120 - 10)) if calibrates else None,
                next_maintenance_due=today + timedelta(days=(index * 37) % 180),
            )
        )
        histories.append((bought, history))
    created = Asset.objects.bulk_create(new_assets)
    if created and created[0].pk is None:
        by_tag = {a.asset_tag: a for a in Asset.objects.filter(asset_tag__in=[a.asset_tag for a in new_assets])}
        created = [by_tag[a.asset_tag] for a in new_assets]
    changes, maintenance = [], []
    for asset, (bought, history) in zip(created, histories, strict=True):
        when = timezone.make_aware(timezone.datetime.combine(bought, timezone.datetime.min.time()))
        changes.append(
            AssetStatusChange(
                asset=asset,
                from_status="",
                to_status=AssetStatus.OPERATIONAL,
                reason="Registered",
                changed_by=manager,
                changed_at=when,
            )
        )
        previous = AssetStatus.OPERATIONAL
        for step, status in enumerate(history):
            changes.append(
                AssetStatusChange(
                    asset=asset,
                    from_status=previous,
                    to_status=status,
                    changed_by=manager,
                    reason=_REASONS[status],
                    changed_at=timezone.now() - timedelta(days=30 * (len(history) - step)),
                )
            )
            previous = status
        if asset.calibration_interval_days:
            last = asset.next_calibration_due - timedelta(days=365)
            maintenance.append(
                AssetMaintenance(
                    asset=asset,
                    kind=MaintenanceKind.CALIBRATION,
                    performed_on=last,
                    performed_by="Umgeni Diagnostics",
                    cost=Decimal("450.00"),
                    next_due_date=asset.next_calibration_due,
                    certificate_number=f"CAL-{asset.asset_tag}-{last.year}",
                    recorded_by=manager,
                )
            )
    AssetStatusChange.objects.bulk_create(changes)
    AssetMaintenance.objects.bulk_create(maintenance)
    log(f"Assets: {len(created)} new")


_REASONS = {
    AssetStatus.IN_REPAIR: "Cuff leaks; sent to the supplier for repair",
    AssetStatus.UNDER_MAINTENANCE: "Annual service",
    AssetStatus.OUT_OF_SERVICE: "Fails self-test",
    AssetStatus.RETIRED: "Beyond economical repair",
    AssetStatus.DISPOSED: "Sent for e-waste recycling",
    AssetStatus.OPERATIONAL: "Back in service",
}


def _purchase_orders(items, locations, suppliers, manager, today, log):
    orders = [
        (
            "PO-DEMO-0001",
            suppliers[1],
            PurchaseOrderStatus.ORDERED,
            [
                ("Amlodipine 5 mg tablet", 6000, "0.10"),
                ("Metformin 500 mg tablet", 8000, "0.07"),
                ("Enalapril 10 mg tablet", 6000, "0.09"),
            ],
        ),
        (
            "PO-DEMO-0002",
            suppliers[0],
            PurchaseOrderStatus.DRAFT,
            [
                ("Examination gloves, nitrile, medium (box of 100)", 40, "68.00"),
                ("HIV-1/2 rapid test kit", 500, "18.00"),
            ],
        ),
    ]
    existing = set(
        PurchaseOrder.objects.filter(order_number__in=[o[0] for o in orders]).values_list("order_number", flat=True)
    )
    for number, supplier, status, lines in orders:
        if number in existing:
            continue
        order = PurchaseOrder.objects.create(
            order_number=number,
            supplier=supplier,
            deliver_to=locations["STORE"],
            status=status,
            created_by=manager,
            order_date=today - timedelta(days=2) if status == PurchaseOrderStatus.ORDERED else None,
            expected_date=today + timedelta(days=supplier.lead_time_days),
            notes="Monthly chronic-medicine replenishment" if status == PurchaseOrderStatus.ORDERED else "",
        )
        PurchaseOrderLine.objects.bulk_create(
            PurchaseOrderLine(order=order, item=items[name], quantity_ordered=qty, unit_cost=Decimal(cost))
            for name, qty, cost in lines
        )
    log("Purchase orders: PO-DEMO-0001 (ordered), PO-DEMO-0002 (draft)")
