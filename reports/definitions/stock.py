"""Stock: consumption and its cost, expiry write-offs, and the value of what is on the shelves."""

from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from inventory.choices import MovementKind
from inventory.models import Batch, StockLocation, StockMovement
from reports.choices import ColumnKind, Granularity, ReportCategory
from reports.framework import Chart, Column, Report, ReportFilters, as_local_date, local_today, register, truncate

AMOUNT = DecimalField(max_digits=18, decimal_places=4)
CENTS = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENTS)


def stock_scope_q(filters: ReportFilters, path: str = "location") -> Q:
    """Stock locations in scope: a van directly, or the vans that serve a route or a province.

    Subqueries rather than joins, so that a van serving several routes is not counted twice.
    The central store belongs to no route or province and drops out when one is chosen.
    """
    q = Q()
    if filters.van is not None:
        q &= Q(**{f"{path}__mobile_unit__id": filters.van})
    if filters.route is not None:
        q &= Q(**{f"{path}__in": StockLocation.objects.filter(mobile_unit__routes__id=filters.route).values("pk")})
    if filters.province is not None:
        vans = StockLocation.objects.filter(mobile_unit__routes__province=filters.province).values("pk")
        q &= Q(**{f"{path}__in": vans})
    return q


def _movement_rows(filters: ReportFilters, kind: str) -> list[dict]:
    """Outbound movements of one kind per period, location and item: units and their cost."""
    grouped = (
        StockMovement.objects.filter(filters.period_q("created_at"), stock_scope_q(filters), kind=kind)
        .annotate(period=truncate("created_at", filters.granularity))
        .values("period", "location__name", "item__name", "item__unit_of_issue")
        .annotate(
            units=Sum(-F("quantity")),
            cost=Sum(ExpressionWrapper(-F("quantity") * F("unit_cost"), output_field=AMOUNT)),
        )
        .order_by("period", "location__name", "item__name")
    )
    return [
        {
            "period": as_local_date(row["period"]),
            "location": row["location__name"],
            "item": row["item__name"],
            "unit": row["item__unit_of_issue"],
            "quantity": row["units"],
            "cost": money(row["cost"]),
        }
        for row in grouped
    ]


MOVEMENT_COLUMNS = (
    Column("period", "Period", ColumnKind.DATE),
    Column("location", "Location"),
    Column("item", "Item"),
    Column("unit", "Unit"),
    Column("quantity", "Quantity", ColumnKind.NUMBER),
)


@register
class StockConsumption(Report):
    slug = "stock-consumption"
    title = "Stock consumption and cost"
    description = "Units dispensed and their cost, per item, location and month (or week, or day)."
    category = ReportCategory.FINANCE
    columns = (*MOVEMENT_COLUMNS, Column("cost", "Cost (R)", ColumnKind.MONEY))
    uses_granularity = True
    default_granularity = Granularity.MONTH
    chart = Chart("bar", "item", ("cost",), combine=True)
    definition = (
        "Dispense movements in the stock ledger, dated in local time. Cost is each dispensed unit at the "
        "unit cost of the batch it actually came from (first expiry, first out), not an average price."
    )

    def rows(self, filters):
        return _movement_rows(filters, MovementKind.DISPENSE)


@register
class ExpiryWriteOffs(Report):
    slug = "expiry-write-offs"
    title = "Expiry write-offs"
    description = "Stock written off because it expired, and what it had cost, per item, location and month."
    category = ReportCategory.FINANCE
    columns = (*MOVEMENT_COLUMNS, Column("cost", "Value written off (R)", ColumnKind.MONEY))
    uses_granularity = True
    default_granularity = Granularity.MONTH
    chart = Chart("bar", "item", ("cost",), combine=True)
    definition = "Expiry write-off movements in the stock ledger, valued at the unit cost of the batch written off."

    def rows(self, filters):
        return _movement_rows(filters, MovementKind.EXPIRY_WRITE_OFF)


@register
class StockOnHand(Report):
    slug = "stock-value"
    title = "Stock value on hand"
    description = "What each location holds now, per item: units, and their value at cost."
    category = ReportCategory.FINANCE
    uses_dates = False
    columns = (
        Column("location", "Location"),
        Column("item", "Item"),
        Column("unit", "Unit"),
        Column("quantity", "Units on hand", ColumnKind.NUMBER),
        Column("expired_quantity", "Of which expired", ColumnKind.NUMBER),
        Column("value", "Value (R)", ColumnKind.MONEY),
        Column("expired_value", "Expired value (R)", ColumnKind.MONEY),
    )
    chart = Chart("bar", "location", ("value",), combine=True)
    definition = (
        "Batches with stock left, valued at their unit cost. Expired stock (past its expiry date, not yet "
        "written off) is included in the totals and shown separately. The date filters do not apply: "
        "this is the position now."
    )

    def rows(self, filters):
        today = local_today()
        value = ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=AMOUNT)
        expired = Q(expiry_date__lt=today)
        grouped = (
            Batch.objects.filter(stock_scope_q(filters), quantity__gt=0)
            .values("location__name", "item__name", "item__unit_of_issue")
            .annotate(
                units=Sum("quantity"),
                expired_units=Coalesce(Sum("quantity", filter=expired), 0),
                value=Sum(value),
                expired_value=Sum(value, filter=expired),
            )
            .order_by("location__name", "item__name")
        )
        return [
            {
                "location": row["location__name"],
                "item": row["item__name"],
                "unit": row["item__unit_of_issue"],
                "quantity": row["units"],
                "expired_quantity": row["expired_units"],
                "value": money(row["value"]),
                "expired_value": money(row["expired_value"]),
            }
            for row in grouped
        ]
