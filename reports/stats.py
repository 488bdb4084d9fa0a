"""The dashboard's six figures (the spec's `GET /api/dashboard/stats`)."""

from reports.framework import ReportFilters

FIGURES = [
    ("todayPatients", "Patients seen today"),
    ("activeRoutes", "Active routes"),
    ("pendingReferrals", "Open referrals"),
    ("pendingAppointments", "Upcoming appointments"),
    ("lowStockAlerts", "Low-stock alerts"),
    ("expiryAlerts", "Expiry alerts"),
]


def dashboard_stats(filters: ReportFilters) -> dict[str, int]:
    return {key: 0 for key, _ in FIGURES}
