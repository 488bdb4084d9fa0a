from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from inventory.choices import AssetStatus, PurchaseOrderStatus
from inventory.models import Asset, Batch, Item, StockMovement
from inventory.tests.factories import (
    AssetFactory,
    ItemFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
)
from inventory.tests.helpers import assert_ledger_agrees, expired_batch, stock

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def admin_client_for_manager(inventory_manager):
    client = Client()
    client.force_login(inventory_manager)
    return client


@pytest.fixture
def van():
    return StockLocationFactory(code="VAN-01", name="Mobile Clinic 1")


@pytest.fixture
def store():
    return StockLocationFactory(code="STORE", name="Central Store", kind="central_store")


def test_an_inventory_manager_sees_only_inventory_models_in_the_admin(admin_client_for_manager):
    response = admin_client_for_manager.get("/admin/")

    assert response.status_code == 200
    assert [app["app_label"] for app in response.context["app_list"]] == ["inventory"]
    assert admin_client_for_manager.get("/admin/accounts/user/").status_code == 403


def test_a_nurse_cannot_use_the_admin(nurse):
    client = Client()
    client.force_login(nurse)

    assert client.get("/admin/inventory/batch/").status_code == 302


@pytest.mark.parametrize(
    "query",
    ["", "?expiry=30", "?expiry=90", "?expiry=expired", "?stock=yes", "?location__id__exact={van}", "?q=LOT"],
)
def test_the_batch_changelist_and_its_filters(admin_client_for_manager, inventory_manager, van, query):
    soon = stock(ItemFactory(name="Amoxicillin 500 mg capsule"), van, 10, by=inventory_manager, days=20)
    stock(ItemFactory(), van, 10, by=inventory_manager, days=200)

    response = admin_client_for_manager.get("/admin/inventory/batch/" + query.format(van=van.pk))

    assert response.status_code == 200
    if query == "?expiry=30":
        assert list(response.context["cl"].result_list) == [soon]


def test_the_reorder_filter_lists_stock_levels_at_or_below_reorder_level(
    admin_client_for_manager, inventory_manager, van
):
    low = StockLevelFactory(location=van, reorder_level=10)
    high = StockLevelFactory(location=van, reorder_level=1)
    stock(high.item, van, 5, by=inventory_manager)

    response = admin_client_for_manager.get("/admin/inventory/stocklevel/?reorder=below")

    assert list(response.context["cl"].result_list) == [low]


@pytest.mark.parametrize(
    "path",
    [
        "item",
        "asset",
        "purchaseorder",
        "stockmovement",
        "supplier",
        "stocklocation",
        "assetmaintenance",
        "stockalert",
        "assetcategory",
        "assetstatuschange",
    ],
)
def test_every_changelist_opens(admin_client_for_manager, inventory_manager, van, path):
    item = ItemFactory()
    stock(item, van, 5, by=inventory_manager)
    AssetFactory(location=van)
    PurchaseOrderLineFactory(order=PurchaseOrderFactory(deliver_to=van), item=item)

    assert admin_client_for_manager.get(f"/admin/inventory/{path}/").status_code == 200


def test_the_asset_changelist_filters_by_status(admin_client_for_manager):
    repair = AssetFactory(status=AssetStatus.IN_REPAIR)
    AssetFactory()

    response = admin_client_for_manager.get("/admin/inventory/asset/?status__exact=in_repair")

    assert list(response.context["cl"].result_list) == [repair]


def test_the_item_page_shows_its_batches_inline(admin_client_for_manager, inventory_manager, van):
    item = ItemFactory()
    stock(item, van, 5, by=inventory_manager, batch_number="INLINE-77")

    response = admin_client_for_manager.get(f"/admin/inventory/item/{item.pk}/change/")

    assert response.status_code == 200
    assert b"INLINE-77" in response.content


def test_the_ledger_cannot_be_changed_or_deleted_in_the_admin(admin_client_for_manager, inventory_manager, van):
    batch = stock(ItemFactory(), van, 5, by=inventory_manager)
    movement = batch.movements.get()

    page = admin_client_for_manager.get(f"/admin/inventory/stockmovement/{movement.pk}/change/")
    post = admin_client_for_manager.post(f"/admin/inventory/stockmovement/{movement.pk}/change/", {"quantity": 99})
    delete = admin_client_for_manager.post(f"/admin/inventory/stockmovement/{movement.pk}/delete/", {"post": "yes"})
    add = admin_client_for_manager.get("/admin/inventory/stockmovement/add/")

    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert (post.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    movement.refresh_from_db()
    assert movement.quantity == 5


def test_a_batch_quantity_cannot_be_edited_in_the_admin(admin_client_for_manager, inventory_manager, van):
    batch = stock(ItemFactory(), van, 5, by=inventory_manager)

    admin_client_for_manager.post(f"/admin/inventory/batch/{batch.pk}/change/", {"quantity": 500})

    batch.refresh_from_db()
    assert batch.quantity == 5


def test_adding_a_batch_in_the_admin_receives_it_through_the_service(admin_client_for_manager, inventory_manager, van):
    item = ItemFactory()

    response = admin_client_for_manager.post(
        "/admin/inventory/batch/add/",
        {
            "item": item.pk,
            "location": van.pk,
            "batch_number": "ADM-1",
            "expiry_date": str(TODAY + timedelta(days=100)),
            "unit_cost": "1.25",
            "received_date": str(TODAY),
            "quantity_delivered": 40,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    batch = Batch.objects.get(batch_number="ADM-1")
    assert batch.quantity == 40
    assert batch.movements.get().created_by == inventory_manager


def test_adding_an_expired_batch_in_the_admin_shows_the_error(admin_client_for_manager, van):
    response = admin_client_for_manager.post(
        "/admin/inventory/batch/add/",
        {
            "item": ItemFactory().pk,
            "location": van.pk,
            "batch_number": "OLD",
            "expiry_date": str(TODAY - timedelta(days=1)),
            "unit_cost": "1",
            "received_date": str(TODAY),
            "quantity_delivered": 4,
        },
    )

    assert response.status_code == 200
    assert "expiry_date" in response.context["adminform"].form.errors
    assert Batch.objects.count() == 0


def test_the_transfer_action_moves_stock_through_the_service(admin_client_for_manager, inventory_manager, van, store):
    batch = stock(ItemFactory(), store, 50, by=inventory_manager)

    response = admin_client_for_manager.post(
        "/admin/inventory/batch/",
        {"action": "transfer_selected", "_selected_action": [batch.pk], "to_location": van.pk, "quantity": 15},
    )

    assert response.status_code == 302
    assert Batch.objects.get(location=van).quantity == 15
    assert_ledger_agrees()


def test_the_adjust_action_needs_a_reason(admin_client_for_manager, inventory_manager, van):
    batch = stock(ItemFactory(), van, 5, by=inventory_manager)

    admin_client_for_manager.post(
        "/admin/inventory/batch/", {"action": "adjust_selected", "_selected_action": [batch.pk], "quantity": -2}
    )
    admin_client_for_manager.post(
        "/admin/inventory/batch/",
        {"action": "adjust_selected", "_selected_action": [batch.pk], "quantity": -2, "reason": "Broken"},
    )

    batch.refresh_from_db()
    assert batch.quantity == 3
    assert_ledger_agrees(batch)


def test_the_write_off_action_only_touches_expired_batches(admin_client_for_manager, inventory_manager, van):
    expired = expired_batch(ItemFactory(), van, 7, by=inventory_manager)
    valid = stock(ItemFactory(), van, 5, by=inventory_manager)

    admin_client_for_manager.post(
        "/admin/inventory/batch/",
        {"action": "write_off_expired", "_selected_action": [expired.pk, valid.pk]},
    )

    expired.refresh_from_db()
    valid.refresh_from_db()
    assert (expired.quantity, valid.quantity) == (0, 5)


def test_the_receive_action_receives_a_purchase_order_into_stock(admin_client_for_manager, store):
    order = PurchaseOrderFactory(deliver_to=store)
    line = PurchaseOrderLineFactory(
        order=order, quantity_ordered=80, batch_number="DN-1", expiry_date=TODAY + timedelta(days=400)
    )
    order.place()

    admin_client_for_manager.post(
        "/admin/inventory/purchaseorder/", {"action": "receive_outstanding", "_selected_action": [order.pk]}
    )

    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.RECEIVED
    assert Batch.objects.get(purchase_order_line=line).quantity == 80


def test_the_receive_action_without_an_expiry_date_receives_nothing(admin_client_for_manager, store):
    order = PurchaseOrderFactory(deliver_to=store)
    PurchaseOrderLineFactory(order=order, batch_number="DN-1")
    order.place()

    admin_client_for_manager.post(
        "/admin/inventory/purchaseorder/", {"action": "receive_outstanding", "_selected_action": [order.pk]}
    )

    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.ORDERED
    assert Batch.objects.count() == 0


def test_the_status_action_moves_assets_through_allowed_transitions_only(admin_client_for_manager):
    working = AssetFactory()
    disposed = AssetFactory(status=AssetStatus.DISPOSED)

    admin_client_for_manager.post(
        "/admin/inventory/asset/",
        {"action": "change_status", "_selected_action": [working.pk, disposed.pk], "status": "in_repair"},
    )

    assert dict(Asset.objects.values_list("pk", "status")) == {
        working.pk: AssetStatus.IN_REPAIR,
        disposed.pk: AssetStatus.DISPOSED,
    }


@pytest.mark.parametrize(
    ("model", "resource"), [("item", "itemresource"), ("batch", "batchresource"), ("asset", "assetresource")]
)
def test_csv_export(admin_client_for_manager, inventory_manager, van, model, resource):
    item = ItemFactory(name="Metformin 850 mg tablet")
    stock(item, van, 12, by=inventory_manager, batch_number="CSV-1")
    AssetFactory(asset_tag="MED-CSV-1", location=van)
    form = admin_client_for_manager.get(f"/admin/inventory/{model}/export/").context["form"]
    selected = {name: "on" for name in form.fields if name.startswith(resource + "_")}

    response = admin_client_for_manager.post(f"/admin/inventory/{model}/export/", {"format": "0", **selected})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content.decode()
    expected = {"item": "Metformin 850 mg tablet", "batch": "CSV-1", "asset": "MED-CSV-1"}[model]
    assert expected in content


def _import(client, model, csv_text):
    upload = SimpleUploadedFile("import.csv", csv_text.encode(), content_type="text/csv")
    response = client.post(f"/admin/inventory/{model}/import/", {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    confirm = response.context.get("confirm_form")
    assert confirm is not None, response.context.get("result") and response.context["result"].invalid_rows
    return client.post(f"/admin/inventory/{model}/process_import/", confirm.initial)


def test_csv_import_of_items(admin_client_for_manager):
    _import(
        admin_client_for_manager,
        "item",
        "name,kind,unit_of_issue,nappi_code,description,default_reorder_level,is_active\n"
        "Simvastatin 20 mg tablet,medicine,tablet,712345,,100,1\n",
    )

    assert Item.objects.get(name="Simvastatin 20 mg tablet").nappi_code == "712345"


def test_csv_import_of_batches_receives_each_row_through_the_service(admin_client_for_manager, inventory_manager, van):
    item = ItemFactory(name="Simvastatin 20 mg tablet")
    expiry = TODAY + timedelta(days=300)

    _import(
        admin_client_for_manager,
        "batch",
        "item,location,batch_number,expiry_date,quantity_delivered,unit_cost,supplier,received_date\n"
        f"Simvastatin 20 mg tablet,VAN-01,SIM-1,{expiry},60,0.30,,{TODAY}\n",
    )

    batch = Batch.objects.get(item=item, location=van)
    assert (batch.quantity, batch.quantity_received) == (60, 60)
    movement = StockMovement.objects.get(batch=batch)
    assert (movement.kind, movement.created_by, movement.reference) == ("receipt", inventory_manager, "CSV import")


def test_csv_import_of_assets(admin_client_for_manager, van):
    _import(
        admin_client_for_manager,
        "asset",
        "asset_tag,asset_name,serial_number,location,purchase_cost,status\n"
        "MED-GL-9,Glucometer,SN9,VAN-01,450.00,operational\n",
    )

    asset = Asset.objects.get(asset_tag="MED-GL-9")
    assert asset.location == van
    assert asset.status_changes.get().reason == "Imported"
