"""A report over staff accounts: exercises the framework without the clinical apps' models."""

from django.db.models import Count

from accounts.models import User
from reports.choices import ColumnKind
from reports.framework import Chart, Column, Report, as_local_date, truncate


class StaffJoinedReport(Report):
    slug = "staff-joined"
    title = "Staff joined"
    description = "Staff accounts created per day."
    columns = (Column("day", "Day", ColumnKind.DATE), Column("joined", "Staff joined", ColumnKind.COUNT))
    scopes = ()
    chart = Chart("bar", "day", ("joined",))

    def rows(self, filters):
        rows = (
            User.objects.filter(filters.period_q("date_joined"))
            .annotate(day=truncate("date_joined", "day"))
            .values("day")
            .annotate(joined=Count("id"))
            .order_by("day")
        )
        return [{"day": as_local_date(row["day"]), "joined": row["joined"]} for row in rows]
