"""The dashboard's six figures (the spec's `GET /api/dashboard/stats`), one aggregate query each.

Definitions (also in docs/reports.md); "today" is the local day in Africa/Johannesburg:
- todayPatients: distinct patients with a visit dated today.
- activeRoutes: routes with status active whose date range includes today.
- pendingReferrals: referrals still open (pending, sent or appointment booked); with a
  province, route or van, those made at a visit in that scope.
- pendingAppointments: appointments still booked for today or a later day.
- lowStockAlerts: items at a location whose usable (non-expired) stock is at or below the
  location's reorder level (where a reorder level above zero is set).
- expiryAlerts: batches with stock left that expire within 30 days or have expired and not
  yet been written off.
"""

from datetime import timedelta

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from clinical.models import Referral, Visit
from inventory.models import Batch, StockLevel
from reports.definitions.clinical import visit_scope_q
from reports.definitions.stock import stock_scope_q
from reports.framework import ReportFilters, local_today
from scheduling.choices import AppointmentStatus, RouteStatus
from scheduling.models import Appointment, Route

EXPIRY_ALERT_DAYS = 30

FIGURES = [
    ("todayPatients", "Patients seen today"),
    ("activeRoutes", "Active routes"),
    ("pendingReferrals", "Open referrals"),
    ("pendingAppointments", "Upcoming appointments"),
    ("lowStockAlerts", "Low-stock alerts"),
    ("expiryAlerts", "Expiry alerts"),
]


def today_patients(filters: ReportFilters, today) -> int:
    return Visit.objects.filter(visit_scope_q(filters), visit_date=today).values("patient_id").distinct().count()


def pending_referrals(filters: ReportFilters) -> int:
    return Referral.objects.still_open().filter(visit_scope_q(filters, "visit__")).count()


def active_routes(filters: ReportFilters, today) -> int:
    return Route.objects.filter(
        filters.scope_q(province="province", route="pk", van="mobile_unit_id"),
        status=RouteStatus.ACTIVE,
        start_date__lte=today,
        end_date__gte=today,
    ).count()


def pending_appointments(filters: ReportFilters, today) -> int:
    return Appointment.objects.filter(
        filters.scope_q(
            province="slot__stop__route__province",
            route="slot__stop__route_id",
            van="slot__stop__route__mobile_unit_id",
        ),
        status=AppointmentStatus.BOOKED,
        slot__stop__date__gte=today,
    ).count()


def low_stock_levels(filters: ReportFilters, today):
    """Stock levels (item at a location) at or below their reorder level, counting usable stock only."""
    usable = (
        Batch.objects.usable(today=today)
        .filter(item=OuterRef("item"), location=OuterRef("location"))
        .order_by()
        .values("item")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return (
        StockLevel.objects.filter(
            stock_scope_q(filters), reorder_level__gt=0, item__is_active=True, location__is_active=True
        )
        .annotate(usable=Coalesce(Subquery(usable, output_field=IntegerField()), Value(0)))
        .filter(usable__lte=F("reorder_level"))
    )


def expiry_alert_batches(filters: ReportFilters, today):
    return Batch.objects.in_stock().filter(
        stock_scope_q(filters), Q(expiry_date__lte=today + timedelta(days=EXPIRY_ALERT_DAYS))
    )


def dashboard_stats(filters: ReportFilters) -> dict[str, int]:
    today = local_today()
    return {
        "todayPatients": today_patients(filters, today),
        "activeRoutes": active_routes(filters, today),
        "pendingReferrals": pending_referrals(filters),
        "pendingAppointments": pending_appointments(filters, today),
        "lowStockAlerts": low_stock_levels(filters, today).count(),
        "expiryAlerts": expiry_alert_batches(filters, today).count(),
    }
