"""Stock consumption, expiry write-offs and stock value, against hand-computed figures."""

import datetime
from datetime import UTC
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from inventory.choices import LocationKind, MovementKind
from inventory.models import StockMovement
from inventory.tests.factories import BatchFactory, ItemFactory, StockLocationFactory
from polmed.testing import assert_access
from reports.framework import REGISTRY, ReportFilters
from scheduling.tests.factories import MobileUnitFactory, RouteFactory

pytestmark = pytest.mark.django_db

LOCAL = datetime.timezone(datetime.timedelta(hours=2))


def at(year, month, day, hour=10, minute=0, tz=LOCAL):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz)


class World:
    def __init__(self):
        self.user = UserFactory()
        self.van = StockLocationFactory(code="VAN-A", name="Van A")
        self.store = StockLocationFactory(code="STORE", name="Central store", kind=LocationKind.CENTRAL_STORE)
        self.mobile_unit = MobileUnitFactory(stock_location=self.van)
        RouteFactory(mobile_unit=self.mobile_unit, province="Gauteng")
        self.amox = ItemFactory(name="Amoxicillin 500 mg capsule", unit_of_issue="capsule")
        self.inhaler = ItemFactory(name="Salbutamol inhaler", unit_of_issue="inhaler")
        today = timezone.localdate()
        self.amox_1 = BatchFactory(item=self.amox, location=self.van, quantity=86, unit_cost=Decimal("0.50"))
        self.amox_2 = BatchFactory(
            item=self.amox,
            location=self.van,
            quantity=20,
            unit_cost=Decimal("0.80"),
            expiry_date=today - datetime.timedelta(days=1),
        )
        self.inhaler_1 = BatchFactory(item=self.inhaler, location=self.van, quantity=5, unit_cost=Decimal("12.00"))
        self.empty = BatchFactory(item=self.inhaler, location=self.van, quantity=0, unit_cost=Decimal("99"))
        self.store_amox = BatchFactory(item=self.amox, location=self.store, quantity=0, unit_cost=Decimal("0.50"))

    def move(self, batch, kind, quantity, when):
        return StockMovement.objects.create(
            batch=batch,
            item=batch.item,
            location=batch.location,
            kind=kind,
            quantity=quantity,
            unit_cost=batch.unit_cost,
            balance_after=0,
            reason="test" if kind == MovementKind.ADJUSTMENT else "",
            created_by=self.user,
            created_at=when,
        )


@pytest.fixture
def world():
    w = World()
    d = MovementKind.DISPENSE
    w.move(w.amox_1, MovementKind.RECEIPT, 100, at(2026, 11, 2))
    w.move(w.amox_1, d, -10, at(2026, 11, 5))
    w.move(w.amox_2, d, -5, at(2026, 11, 30, 23, 30))  # 21:30 UTC: still 30 November locally
    w.move(w.amox_1, d, -4, at(2026, 12, 1, 0, 30))  # 22:30 UTC on 30 November: December locally
    w.move(w.inhaler_1, d, -2, at(2026, 11, 15))
    w.move(w.inhaler_1, MovementKind.EXPIRY_WRITE_OFF, -3, at(2026, 11, 20))
    w.move(w.store_amox, d, -7, at(2026, 11, 6))
    return w


def rows(slug, **params):
    params = {"date_from": "2026-11-01", "date_to": "2026-12-31", "group_by": "month", **params}
    return REGISTRY[slug].rows(ReportFilters.from_query(params))


def test_consumption_and_cost_per_item_location_and_local_month(world):
    assert rows("stock-consumption") == [
        {
            "period": datetime.date(2026, 11, 1),
            "location": "Central store",
            "item": "Amoxicillin 500 mg capsule",
            "unit": "capsule",
            "quantity": 7,
            "cost": Decimal("3.50"),
        },
        {
            "period": datetime.date(2026, 11, 1),
            "location": "Van A",
            "item": "Amoxicillin 500 mg capsule",
            "unit": "capsule",
            "quantity": 15,
            "cost": Decimal("9.00"),
        },
        {
            "period": datetime.date(2026, 11, 1),
            "location": "Van A",
            "item": "Salbutamol inhaler",
            "unit": "inhaler",
            "quantity": 2,
            "cost": Decimal("24.00"),
        },
        {
            "period": datetime.date(2026, 12, 1),
            "location": "Van A",
            "item": "Amoxicillin 500 mg capsule",
            "unit": "capsule",
            "quantity": 4,
            "cost": Decimal("2.00"),
        },
    ]


def test_consumption_by_day_puts_half_past_eleven_on_the_local_day(world):
    result = rows("stock-consumption", group_by="day", date_from="2026-11-30", date_to="2026-12-01")
    assert [(r["period"], r["quantity"]) for r in result] == [
        (datetime.date(2026, 11, 30), 5),
        (datetime.date(2026, 12, 1), 4),
    ]


def test_consumption_for_one_van_or_province_leaves_the_store_out(world):
    for scope in ({"van": str(world.mobile_unit.pk)}, {"province": "Gauteng"}):
        assert {r["location"] for r in rows("stock-consumption", **scope)} == {"Van A"}
    assert rows("stock-consumption", province="Limpopo") == []


def test_expiry_write_off_value(world):
    assert rows("expiry-write-offs") == [
        {
            "period": datetime.date(2026, 11, 1),
            "location": "Van A",
            "item": "Salbutamol inhaler",
            "unit": "inhaler",
            "quantity": 3,
            "cost": Decimal("36.00"),
        }
    ]


def test_stock_value_on_hand_with_expired_stock_shown_apart(world):
    assert rows("stock-value") == [
        {
            "location": "Van A",
            "item": "Amoxicillin 500 mg capsule",
            "unit": "capsule",
            "quantity": 106,
            "expired_quantity": 20,
            "value": Decimal("59.00"),
            "expired_value": Decimal("16.00"),
        },
        {
            "location": "Van A",
            "item": "Salbutamol inhaler",
            "unit": "inhaler",
            "quantity": 5,
            "expired_quantity": 0,
            "value": Decimal("60.00"),
            "expired_value": Decimal("0.00"),
        },
    ]


def test_money_is_exact_in_json_and_csv(world, client_for):
    client = client_for(Role.FINANCE)
    params = {"date_from": "2026-11-01", "date_to": "2026-12-31"}
    data = client.get("/api/reports/stock-consumption", params).json()["data"]
    assert [row["cost"] for row in data["rows"]] == [3.5, 9.0, 24.0, 2.0]
    csv = client.get("/api/reports/stock-consumption/csv", params).content.decode().splitlines()
    assert csv[0] == "Period,Location,Item,Unit,Quantity,Cost (R)"
    assert csv[2] == "2026-11-01,Van A,Amoxicillin 500 mg capsule,capsule,15,9.00"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("slug", ["stock-consumption", "expiry-write-offs", "stock-value"])
def test_stock_reports_are_for_finance_inventory_managers_and_administrators(client_for, role, slug):
    allowed = role in (Role.ADMINISTRATOR, Role.FINANCE, Role.INVENTORY_MANAGER)
    assert_access(client_for(role).get(f"/api/reports/{slug}"), allowed)


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize("slug", ["stock-consumption", "expiry-write-offs", "stock-value"])
def test_stock_report_queries_do_not_grow_with_the_ledger(django_assert_num_queries, n, slug):
    world = World()
    kind = MovementKind.EXPIRY_WRITE_OFF if slug == "expiry-write-offs" else MovementKind.DISPENSE
    batches = [world.amox_1, world.inhaler_1, world.store_amox]
    StockMovement.objects.bulk_create(
        StockMovement(
            batch=batches[i % 3],
            item=batches[i % 3].item,
            location=batches[i % 3].location,
            kind=kind,
            quantity=-1,
            unit_cost=Decimal("1"),
            balance_after=0,
            created_by=world.user,
            created_at=datetime.datetime(2026, 11, 1 + i % 28, 8, tzinfo=UTC),
        )
        for i in range(n)
    )
    with django_assert_num_queries(1):
        rows(slug, group_by="day")
