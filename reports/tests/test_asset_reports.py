"""Asset book value, maintenance due and downtime, against hand-computed figures."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.choices import Role
from inventory.choices import AssetStatus
from inventory.models import Asset, AssetStatusChange
from inventory.tests.factories import AssetCategoryFactory, AssetFactory, StockLocationFactory
from polmed.testing import assert_access
from reports.framework import REGISTRY, ReportFilters

pytestmark = pytest.mark.django_db

LOCAL = datetime.timezone(datetime.timedelta(hours=2))


def rows(slug, **params):
    return REGISTRY[slug].rows(ReportFilters.from_query(params) if params else REGISTRY[slug].parse_filters({}))


def test_book_value_is_straight_line_to_the_salvage_value():
    van = StockLocationFactory(name="Van A")
    category = AssetCategoryFactory(name="Diagnostic", default_useful_life_years=5)
    # 10 000 depreciable over 5 x 365.25 days; 365 days gone: 10 000 x 365 / 1826.25 = 1998.63.
    AssetFactory(
        category=category,
        location=van,
        purchase_cost=Decimal("12000"),
        salvage_value=Decimal("2000"),
        purchase_date=datetime.date(2025, 1, 1),
    )
    # Fully depreciated long ago: worth its salvage value of 0.
    AssetFactory(
        category=category, location=van, purchase_cost=Decimal("1000"), purchase_date=datetime.date(2015, 1, 1)
    )
    AssetFactory(category=category, location=van, purchase_cost=Decimal("500"), status=AssetStatus.DISPOSED)
    AssetFactory(category=category, location=van, purchase_cost=Decimal("700"), purchase_date=datetime.date(2026, 6, 1))

    assert rows("asset-book-value", date_to="2026-01-01") == [
        {
            "category": "Diagnostic",
            "location": "Van A",
            "assets": 3,
            "purchase_cost": Decimal("13500.00"),
            "depreciation": Decimal("3498.63"),
            "book_value": Decimal("10001.37"),
        }
    ]


def test_maintenance_due_lists_overdue_and_upcoming_by_date():
    today = timezone.localdate()
    van = StockLocationFactory(name="Van A")
    AssetFactory(
        asset_tag="BP-1",
        asset_name="BP monitor",
        location=van,
        next_maintenance_due=today - datetime.timedelta(days=3),
        next_calibration_due=today + datetime.timedelta(days=10),
    )
    AssetFactory(asset_tag="ECG-1", location=van, next_maintenance_due=today + datetime.timedelta(days=40))
    AssetFactory(
        asset_tag="OLD-1",
        location=van,
        status=AssetStatus.RETIRED,
        next_maintenance_due=today - datetime.timedelta(days=1),
    )
    result = rows("maintenance-due")
    assert [(r["asset_tag"], r["due"], r["days_overdue"]) for r in result] == [
        ("BP-1", "Maintenance", 3),
        ("BP-1", "Calibration", 0),
    ]
    assert result[0]["location"] == "Van A" and result[0]["status"] == "Operational"


def change(asset, from_status, to_status, when):
    AssetStatusChange.objects.create(asset=asset, from_status=from_status, to_status=to_status, changed_at=when)


def test_downtime_counts_the_days_out_of_use_within_the_range():
    created = datetime.datetime(2026, 1, 1, tzinfo=LOCAL)
    repaired = AssetFactory(asset_tag="BP-1", status=AssetStatus.OPERATIONAL)
    broken = AssetFactory(asset_tag="ECG-1", status=AssetStatus.OUT_OF_SERVICE)
    AssetFactory(asset_tag="OK-1")
    Asset.objects.update(created_at=created)
    # Down from 10 November 00:00 to 13 November 12:00 local: 3.5 days.
    change(repaired, AssetStatus.OPERATIONAL, AssetStatus.IN_REPAIR, datetime.datetime(2026, 11, 10, tzinfo=LOCAL))
    change(repaired, AssetStatus.IN_REPAIR, AssetStatus.OPERATIONAL, datetime.datetime(2026, 11, 13, 12, tzinfo=LOCAL))
    # Out of service since before the range and still out: down all 30 days, not newly taken out.
    change(broken, AssetStatus.OPERATIONAL, AssetStatus.OUT_OF_SERVICE, datetime.datetime(2026, 10, 25, tzinfo=LOCAL))

    result = rows("asset-downtime", date_from="2026-11-01", date_to="2026-11-30")
    assert [(r["asset_tag"], r["downtime_days"], r["availability"], r["times_down"]) for r in result] == [
        ("ECG-1", 30.0, 0.0, 0),
        ("BP-1", 3.5, 88.3, 1),
    ]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("slug", ["asset-book-value", "maintenance-due", "asset-downtime"])
def test_asset_reports_are_for_finance_inventory_managers_and_administrators(client_for, role, slug):
    allowed = role in (Role.ADMINISTRATOR, Role.FINANCE, Role.INVENTORY_MANAGER)
    assert_access(client_for(role).get(f"/api/reports/{slug}"), allowed)


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize("slug", ["asset-book-value", "maintenance-due", "asset-downtime"])
def test_asset_report_queries_do_not_grow_with_the_assets(django_assert_num_queries, n, slug):
    location = StockLocationFactory()
    category = AssetCategoryFactory()
    today = timezone.localdate()
    assets = Asset.objects.bulk_create(
        Asset(
            asset_tag=f"BULK-{i:05d}",
            asset_name="Scale",
            category=category,
            location=location,
            purchase_cost=Decimal("100"),
            purchase_date=datetime.date(2025, 1, 1),
            status=AssetStatus.IN_REPAIR,
            next_maintenance_due=today,
        )
        for i in range(n)
    )
    AssetStatusChange.objects.bulk_create(
        AssetStatusChange(
            asset=asset,
            from_status=AssetStatus.OPERATIONAL,
            to_status=AssetStatus.IN_REPAIR,
            changed_at=timezone.now() - datetime.timedelta(days=2),
        )
        for asset in Asset.objects.all()
    )
    expected_queries = 2 if slug == "asset-downtime" else 1
    with django_assert_num_queries(expected_queries):
        result = rows(slug)
    assert len(assets) == n and result
