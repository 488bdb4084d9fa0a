import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from inventory.tests.factories import (
    AssetFactory,
    ItemFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
    SupplierFactory,
)
from inventory.tests.helpers import stock
from polmed.testing import MATRIX_ARGS, Access, assert_access, matrix_cases, roles

pytestmark = pytest.mark.django_db

MANAGERS = roles(Role.INVENTORY_MANAGER)
CLINICAL_READ = roles(Role.INVENTORY_MANAGER, Role.NURSE, Role.DOCTOR)
FINANCE_READ = roles(Role.INVENTORY_MANAGER, Role.FINANCE)
EVERY_INVENTORY_READER = roles(Role.INVENTORY_MANAGER, Role.NURSE, Role.DOCTOR, Role.FINANCE)
NOBODY = roles()
EXPIRY = str(timezone.localdate() + timedelta(days=200))

MATRIX = [
    Access("GET", "/api/inventory/locations", EVERY_INVENTORY_READER),
    Access("GET", "/api/inventory/locations/{van}", EVERY_INVENTORY_READER),
    Access("POST", "/api/inventory/locations", MANAGERS, {"name": "Mobile Clinic 9", "code": "VAN-09"}),
    Access("PATCH", "/api/inventory/locations/{van}", MANAGERS, {"notes": "Garaged in Polokwane"}),
    Access("DELETE", "/api/inventory/locations/{empty_location}", MANAGERS),
    Access("GET", "/api/inventory/suppliers", MANAGERS),
    Access("POST", "/api/inventory/suppliers", MANAGERS, {"name": "New Wholesaler"}),
    Access("PATCH", "/api/inventory/suppliers/{supplier}", MANAGERS, {"lead_time_days": 3}),
    Access("DELETE", "/api/inventory/suppliers/{supplier}", MANAGERS),
    Access("GET", "/api/inventory/asset-categories", FINANCE_READ),
    Access("POST", "/api/inventory/asset-categories", MANAGERS, {"name": "Cold chain"}),
    Access("GET", "/api/inventory/assets", FINANCE_READ),
    Access("GET", "/api/inventory/assets/{asset}", FINANCE_READ),
    Access("POST", "/api/inventory/assets", MANAGERS, {"asset_tag": "MED-X-1", "asset_name": "Glucometer"}),
    Access("PATCH", "/api/inventory/assets/{asset}", MANAGERS, {"notes": "Cuff replaced"}),
    Access("DELETE", "/api/inventory/assets/{asset}", MANAGERS),
    Access("POST", "/api/inventory/assets/{asset}/transition", MANAGERS, {"status": "in_repair"}),
    Access("GET", "/api/inventory/assets/{asset}/history", FINANCE_READ),
    Access("GET", "/api/inventory/asset-maintenance", MANAGERS),
    Access(
        "POST",
        "/api/inventory/asset-maintenance",
        MANAGERS,
        {"asset": "{asset}", "kind": "inspection", "performed_on": str(timezone.localdate())},
    ),
    Access("GET", "/api/inventory/items", CLINICAL_READ),
    Access("GET", "/api/inventory/items/{item}", CLINICAL_READ),
    Access("POST", "/api/inventory/items", MANAGERS, {"name": "Ibuprofen 200 mg tablet"}),
    Access("PATCH", "/api/inventory/items/{item}", MANAGERS, {"default_reorder_level": 5}),
    Access("DELETE", "/api/inventory/items/{item}", MANAGERS),
    Access("GET", "/api/inventory/stock-levels", CLINICAL_READ),
    Access("PATCH", "/api/inventory/stock-levels/{stock_level}", MANAGERS, {"reorder_level": 3}),
    Access("GET", "/api/inventory/batches", CLINICAL_READ),
    Access("GET", "/api/inventory/batches/{batch}", CLINICAL_READ),
    Access(
        "POST",
        "/api/inventory/batches",
        MANAGERS,
        {
            "item": "{item}",
            "location": "{van}",
            "batch_number": "N1",
            "expiry_date": EXPIRY,
            "quantity": 5,
            "unit_cost": "1.00",
        },
    ),
    Access("POST", "/api/inventory/batches/{batch}/adjust", MANAGERS, {"delta": -1, "reason": "Broken"}),
    Access("POST", "/api/inventory/batches/{batch}/transfer", MANAGERS, {"to_location": "{store}", "quantity": 1}),
    Access("POST", "/api/inventory/batches/write-off-expired", MANAGERS, {}),
    Access("PATCH", "/api/inventory/batches/{batch}", NOBODY, {"batch_number": "X"}),
    Access("DELETE", "/api/inventory/batches/{batch}", NOBODY),
    Access("GET", "/api/inventory/movements", MANAGERS),
    Access("GET", "/api/inventory/movements/{movement}", MANAGERS),
    Access("POST", "/api/inventory/movements", NOBODY, {"quantity": 1}),
    Access("DELETE", "/api/inventory/movements/{movement}", NOBODY),
    Access("GET", "/api/inventory/purchase-orders", MANAGERS),
    Access("POST", "/api/inventory/purchase-orders", MANAGERS, {"supplier": "{supplier}", "deliver_to": "{store}"}),
    Access("POST", "/api/inventory/purchase-orders/{order}/place", MANAGERS),
    Access("POST", "/api/inventory/purchase-orders/{order}/cancel", MANAGERS),
    Access("POST", "/api/inventory/purchase-orders/{order}/receive", MANAGERS, {"lines": []}),
    Access("GET", "/api/inventory/alerts/expiry", CLINICAL_READ),
    Access("GET", "/api/inventory/alerts/low-stock", CLINICAL_READ),
    Access("GET", "/api/inventory/alerts/calibration", FINANCE_READ),
    Access("GET", "/api/inventory/alerts/maintenance", FINANCE_READ),
    Access("GET", "/api/inventory/alerts/warranty", FINANCE_READ),
    Access("GET", "/api/inventory/alerts/recorded", MANAGERS),
    Access("GET", "/api/inventory/usage", FINANCE_READ),
]

# The ledger and batch quantities are never written directly: those methods do not exist.
# Roles holding the model permission get 405, everyone else 403 before the method is looked at.
REFUSED = (403, 405)


@pytest.mark.parametrize(MATRIX_ARGS, matrix_cases(MATRIX))
def test_role_matrix(client_for, inventory_manager, access, role, allowed):
    store = StockLocationFactory(code="STORE", name="Central Store", kind="central_store")
    van = StockLocationFactory(code="VAN-01", name="Mobile Clinic 1")
    item = ItemFactory()
    batch = stock(item, van, 10, by=inventory_manager)
    order = PurchaseOrderFactory(deliver_to=store)
    PurchaseOrderLineFactory(order=order)
    names = {
        "store": store.pk,
        "van": van.pk,
        "empty_location": StockLocationFactory().pk,
        "supplier": SupplierFactory().pk,
        "asset": AssetFactory(location=van).pk,
        "item": item.pk,
        "stock_level": StockLevelFactory(item=item, location=van).pk,
        "batch": batch.pk,
        "movement": batch.movements.get().pk,
        "order": order.pk,
    }
    payload = {
        key: (int(value.format(**names)) if isinstance(value, str) and value.startswith("{") else value)
        for key, value in access.payload.items()
    }

    response = client_for(role).generic(
        access.method,
        access.path.format(**names),
        data=json.dumps(payload) if access.method != "GET" else "",
        content_type="application/json",
    )

    if access.allowed == NOBODY:
        assert response.status_code in REFUSED, response.content[:300]
    else:
        assert_access(response, allowed)
