"""What the dashboard page shows a user: today's figures and the charts the user's role may see."""

from reports.framework import ReportFilters
from reports.models import DASHBOARD_PERMISSION
from reports.stats import FIGURES, dashboard_stats


def dashboard_context(user) -> dict:
    context = {"figures": [], "charts": []}
    if user.has_perm(DASHBOARD_PERMISSION):
        stats = dashboard_stats(ReportFilters.default())
        context["figures"] = [(label, stats[key], key in ALERT_FIGURES) for key, label in FIGURES]
    return context


ALERT_FIGURES = {"lowStockAlerts", "expiryAlerts"}
