from django.db import models

from reports.choices import ReportCategory

PERMISSION_FOR_CATEGORY = {
    ReportCategory.AGGREGATE: "reports.view_aggregate_reports",
    ReportCategory.CLINICAL: "reports.view_clinical_reports",
    ReportCategory.FINANCE: "reports.view_finance_reports",
}
DASHBOARD_PERMISSION = "reports.view_dashboard"
# Roles with this may see counts below the suppression threshold (the roles that see patients anyway).
SMALL_COUNTS_PERMISSION = "reports.view_small_counts"


class Report(models.Model):
    """Management reporting: the dashboard and the report pages. It has no table; it exists so that
    who may open which kind of report is declared as ordinary permissions in the role table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can view the dashboard figures"),
            ("view_aggregate_reports", "Can view aggregate activity and health reports"),
            ("view_clinical_reports", "Can view clinical follow-up reports (identifiable)"),
            ("view_finance_reports", "Can view stock, cost and asset reports"),
            ("view_small_counts", "Can see report counts below the suppression threshold"),
        ]

    def __str__(self):
        return "Reports"
