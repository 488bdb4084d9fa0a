"""What the dashboard page shows a user: today's figures, and the charts and alerts the user's
role may see. Charts come from the registered reports, so small counts are hidden the same way."""

from datetime import timedelta

from django.urls import reverse
from django.utils.http import urlencode

from reports.charts import chart_for_result
from reports.framework import REGISTRY, ReportFilters, local_today, reports_for, run_report
from reports.models import DASHBOARD_PERMISSION
from reports.stats import FIGURES, dashboard_stats, expiry_alert_batches, low_stock_levels

ALERT_FIGURES = {"lowStockAlerts", "expiryAlerts"}
# Stock alerts name items and vans, not people: shown to those who may see stock.
STOCK_PERMISSION = "inventory.view_batch"
ALERTS_SHOWN = 10


def _chart(user, slug: str, filters: ReportFilters, title: str):
    report = REGISTRY[slug]
    if not user.has_perm(report.permission):
        return None
    chart = chart_for_result(run_report(report, filters, user))
    chart.title = title
    chart.link = reverse("report-page", args=[slug]) + "?" + urlencode(filters.as_query())
    return chart


def stock_alerts(today) -> list[dict]:
    filters = ReportFilters.default()
    alerts = [
        {"item": level.item.name, "location": level.location.name, "text": f"Low: {level.usable} left", "badge": "warn"}
        for level in low_stock_levels(filters, today)
        .select_related("item", "location")
        .order_by("usable")[:ALERTS_SHOWN]
    ]
    for batch in (
        expiry_alert_batches(filters, today).select_related("item", "location").order_by("expiry_date")[:ALERTS_SHOWN]
    ):
        expired = batch.expiry_date < today
        alerts.append(
            {
                "item": f"{batch.item.name} (batch {batch.batch_number})",
                "location": batch.location.name,
                "text": f"{'Expired' if expired else 'Expires'} {batch.expiry_date:%d %b %Y}",
                "badge": "danger" if expired else "warn",
            }
        )
    return alerts


def dashboard_context(user) -> dict:
    today = local_today()
    context = {"figures": [], "charts": [], "stock_alerts": None, "has_reports": bool(reports_for(user))}
    if user.has_perm(DASHBOARD_PERMISSION):
        stats = dashboard_stats(ReportFilters.default())
        context["figures"] = [(label, stats[key], key in ALERT_FIGURES) for key, label in FIGURES]
    month = ReportFilters(today.replace(day=1), today)
    charts = [
        _chart(user, "visits", ReportFilters(today - timedelta(days=29), today), "Visits per day, last 30 days"),
        _chart(user, "visits-by-stage", ReportFilters(today, today), "Today's visits by stage"),
        _chart(user, "top-diagnoses", month, "Top diagnoses this month"),
    ]
    context["charts"] = [chart for chart in charts if chart is not None]
    if user.has_perm(STOCK_PERMISSION):
        context["stock_alerts"] = stock_alerts(today)
    return context
