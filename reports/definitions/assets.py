"""Equipment: book value after depreciation, maintenance and calibration due, downtime."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from inventory.choices import AssetStatus
from inventory.models import Asset, AssetStatusChange
from reports.choices import ColumnKind, ReportCategory
from reports.definitions.stock import money, stock_scope_q
from reports.framework import Chart, Column, Report, local_today, register

# An asset in one of these is not available to the clinic.
DOWN_STATUSES = frozenset({AssetStatus.UNDER_MAINTENANCE, AssetStatus.IN_REPAIR, AssetStatus.OUT_OF_SERVICE})


@register
class AssetBookValue(Report):
    slug = "asset-book-value"
    title = "Asset book value"
    description = "Equipment at cost, depreciation to date and book value, per category and location."
    category = ReportCategory.FINANCE
    columns = (
        Column("category", "Category"),
        Column("location", "Location"),
        Column("assets", "Assets", ColumnKind.NUMBER),
        Column("purchase_cost", "Purchase cost (R)", ColumnKind.MONEY),
        Column("depreciation", "Accumulated depreciation (R)", ColumnKind.MONEY),
        Column("book_value", "Book value (R)", ColumnKind.MONEY),
    )
    chart = Chart("bar", "category", ("purchase_cost", "book_value"), combine=True)
    definition = (
        "Straight-line depreciation from the purchase date to the salvage value over the useful life "
        "(the asset's own, else its category's), on the last day of the range. Disposed assets are worth "
        "nothing; assets bought after that day are left out."
    )

    def rows(self, filters):
        on = filters.date_to
        assets = (
            Asset.objects.filter(stock_scope_q(filters))
            .exclude(purchase_date__gt=on)
            .select_related("category", "location")
            .order_by("category__name", "location__name", "pk")
        )
        groups: dict = defaultdict(lambda: {"assets": 0, "cost": Decimal(0), "book": Decimal(0)})
        for asset in assets:
            key = (
                asset.category.name if asset.category_id else "Uncategorised",
                asset.location.name if asset.location_id else "",
            )
            group = groups[key]
            group["assets"] += 1
            group["cost"] += asset.purchase_cost
            group["book"] += asset.book_value(on)
        return [
            {
                "category": category,
                "location": location,
                "assets": group["assets"],
                "purchase_cost": money(group["cost"]),
                "depreciation": money(group["cost"] - group["book"]),
                "book_value": money(group["book"]),
            }
            for (category, location), group in sorted(groups.items())
        ]


@register
class MaintenanceDue(Report):
    slug = "maintenance-due"
    title = "Maintenance and calibration due"
    description = "Equipment whose service or calibration falls due by the end of the range, overdue first."
    category = ReportCategory.FINANCE
    days_ahead = 29
    columns = (
        Column("asset_tag", "Asset tag"),
        Column("asset", "Asset"),
        Column("location", "Location"),
        Column("due", "Due"),
        Column("due_date", "Due date", ColumnKind.DATE),
        Column("days_overdue", "Days overdue", ColumnKind.NUMBER),
        Column("status", "Status"),
    )
    definition = (
        "Assets still in use (not retired or disposed) whose next preventive maintenance or next calibration "
        "is due on or before the last day of the range; overdue ones are included whatever the start date. "
        "Without dates the range is today and the next 29 days."
    )

    def rows(self, filters):
        today = local_today()
        assets = (
            Asset.objects.in_use()
            .filter(stock_scope_q(filters))
            .filter(Q(next_maintenance_due__lte=filters.date_to) | Q(next_calibration_due__lte=filters.date_to))
            .select_related("location")
        )
        rows = []
        for asset in assets:
            for label, due in (
                ("Maintenance", asset.next_maintenance_due),
                ("Calibration", asset.next_calibration_due),
            ):
                if due is not None and due <= filters.date_to:
                    rows.append(
                        {
                            "asset_tag": asset.asset_tag,
                            "asset": asset.asset_name,
                            "location": asset.location.name if asset.location_id else "",
                            "due": label,
                            "due_date": due,
                            "days_overdue": max((today - due).days, 0),
                            "status": asset.get_status_display(),
                        }
                    )
        return sorted(rows, key=lambda r: (r["due_date"], r["asset_tag"], r["due"]))


@register
class AssetDowntime(Report):
    slug = "asset-downtime"
    title = "Equipment downtime"
    description = "Days each asset spent under maintenance, in repair or out of service within the range."
    category = ReportCategory.FINANCE
    columns = (
        Column("asset_tag", "Asset tag"),
        Column("asset", "Asset"),
        Column("location", "Location"),
        Column("downtime_days", "Days down", ColumnKind.NUMBER),
        Column("availability", "Available", ColumnKind.PERCENT),
        Column("times_down", "Times taken out of use", ColumnKind.NUMBER),
        Column("status", "Status now"),
    )
    chart = Chart("bar", "asset_tag", ("downtime_days",))
    definition = (
        "From each asset's status history: the time between a move into under maintenance, in repair or "
        "out of service and the next move out of those, overlapping the range (up to now for the current "
        "day). Availability is the share of the range the asset was not down. Assets never down are left out."
    )

    def rows(self, filters):
        start = filters.start
        end = min(filters.end, timezone.now())
        if end <= start:
            return []
        in_scope = Asset.objects.filter(stock_scope_q(filters)).exclude(
            status=AssetStatus.DISPOSED, updated_at__lt=start
        )
        assets = {asset.pk: asset for asset in in_scope.select_related("location")}
        changes = defaultdict(list)
        for asset_id, from_status, to_status, changed_at in (
            AssetStatusChange.objects.filter(asset__in=in_scope.values("pk"), changed_at__lt=end)
            .order_by("asset_id", "changed_at", "pk")
            .values_list("asset_id", "from_status", "to_status", "changed_at")
        ):
            changes[asset_id].append((from_status, to_status, changed_at))

        span = (end - start).total_seconds()
        rows = []
        for asset_id, asset in assets.items():
            down_seconds, times_down = _downtime(asset, changes.get(asset_id, []), start, end)
            if down_seconds <= 0:
                continue
            rows.append(
                {
                    "asset_tag": asset.asset_tag,
                    "asset": asset.asset_name,
                    "location": asset.location.name if asset.location_id else "",
                    "downtime_days": round(down_seconds / 86400, 1),
                    "availability": round(100 * (1 - down_seconds / span), 1),
                    "times_down": times_down,
                    "status": asset.get_status_display(),
                }
            )
        return sorted(rows, key=lambda r: (-r["downtime_days"], r["asset_tag"]))


def _downtime(asset, changes, start: datetime, end: datetime) -> tuple[float, int]:
    """Seconds within [start, end) that the asset was down, and how many times it went down in it."""
    # Before its first recorded change the asset was in that change's from-status (or, with no
    # history at all, in its current status) since it was entered.
    status = (changes[0][0] or changes[0][1]) if changes else asset.status
    since = asset.created_at
    down, times = 0.0, 0
    for _from_status, to_status, changed_at in [*changes, (None, None, end)]:
        if status in DOWN_STATUSES:
            overlap = (min(changed_at, end) - max(since, start)).total_seconds()
            down += max(overlap, 0)
        if to_status is not None and to_status in DOWN_STATUSES and status not in DOWN_STATUSES and start <= changed_at:
            times += 1
        if to_status is not None:
            status, since = to_status, changed_at
    return down, times
