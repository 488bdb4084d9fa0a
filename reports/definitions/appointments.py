"""Appointments booked, attended and missed, per route."""

from django.db.models import Count, Q

from reports.choices import ColumnKind, ReportCategory
from reports.framework import Chart, Column, Report, register
from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# A rate is hidden when either of its counts is, or when fewer than five people had an outcome.
RATE_PARTS = ("attended", "no_show")


@register
class AppointmentsPerRoute(Report):
    slug = "appointments"
    title = "Appointments per route"
    description = "Booked, attended, no-show and cancelled appointments per route, by clinic day."
    category = ReportCategory.AGGREGATE
    columns = (
        Column("route", "Route"),
        Column("province", "Province"),
        Column("booked", "Booked", ColumnKind.COUNT),
        Column("attended", "Attended", ColumnKind.COUNT, part_of="booked"),
        Column("no_show", "No-show", ColumnKind.COUNT, part_of="booked"),
        Column("awaiting", "Not yet marked", ColumnKind.COUNT, part_of="booked"),
        Column("cancelled", "Cancelled", ColumnKind.COUNT),
        Column(
            "attendance_rate",
            "Attendance rate",
            ColumnKind.PERCENT,
            suppress_with=RATE_PARTS,
            denominator="with_outcome",
        ),
        Column(
            "no_show_rate", "No-show rate", ColumnKind.PERCENT, suppress_with=RATE_PARTS, denominator="with_outcome"
        ),
    )
    chart = Chart("bar", "route", ("booked", "attended", "no_show"))
    definition = (
        "Appointments whose clinic day falls in the date range. Booked: every appointment not cancelled "
        "(checked in, no-show, still booked or needing a new date). Attended: checked in. No-show: marked "
        "as not having come. Not yet marked: still booked or needing rescheduling. Attendance and no-show "
        "rates are out of the appointments with an outcome (attended + no-show)."
    )

    def rows(self, filters):
        status = AppointmentStatus
        queryset = Appointment.objects.filter(
            filters.date_q("slot__stop__date"),
            filters.scope_q(
                province="slot__stop__route__province",
                route="slot__stop__route_id",
                van="slot__stop__route__mobile_unit_id",
            ),
        )
        grouped = (
            queryset.values("slot__stop__route_id", "slot__stop__route__route_name", "slot__stop__route__province")
            .annotate(
                booked=Count("id", filter=~Q(status=status.CANCELLED)),
                attended=Count("id", filter=Q(status=status.CHECKED_IN)),
                no_show=Count("id", filter=Q(status=status.NO_SHOW)),
                awaiting=Count("id", filter=Q(status__in=[status.BOOKED, status.NEEDS_RESCHEDULING])),
                cancelled=Count("id", filter=Q(status=status.CANCELLED)),
            )
            .order_by("slot__stop__route__route_name", "slot__stop__route_id")
        )
        rows = []
        for row in grouped:
            outcomes = row["attended"] + row["no_show"]
            rows.append(
                {
                    "route": row["slot__stop__route__route_name"],
                    "province": row["slot__stop__route__province"],
                    "booked": row["booked"],
                    "attended": row["attended"],
                    "no_show": row["no_show"],
                    "awaiting": row["awaiting"],
                    "cancelled": row["cancelled"],
                    "with_outcome": outcomes,  # not shown; the base of both rates
                    "attendance_rate": rate(row["attended"], outcomes),
                    "no_show_rate": rate(row["no_show"], outcomes),
                }
            )
        return rows
