"""Clinic activity and health: visits, stage waiting times, diagnoses, chronic conditions, referrals.

All aggregate: no report here carries a name, an ID number or a phone number, and small counts
are hidden from roles without patient access by the framework.
"""

from collections import defaultdict

from django.db.models import Count, Max, Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from clinical.choices import OPEN_REFERRAL_STATUSES, ReferralStatus, Urgency, VisitStage, VisitType
from clinical.models import ChronicCondition, Diagnosis, Referral, Visit, VisitStageChange
from reports.choices import ColumnKind, Granularity, ReportCategory
from reports.framework import (
    LOCAL_TZ,
    Chart,
    Column,
    Report,
    ReportFilters,
    as_local_date,
    local_today,
    percentile,
    periods,
    register,
    truncate_date,
)
from scheduling.choices import LocationType


def visit_scope_q(filters: ReportFilters, prefix: str = "") -> Q:
    """Visits in scope. A visit's province is its location's, or its route's when no location was
    recorded; its van is its route's van."""
    q = Q()
    if filters.province is not None:
        q &= Q(**{f"{prefix}location__province": filters.province}) | Q(
            **{f"{prefix}location__isnull": True, f"{prefix}route__province": filters.province}
        )
    if filters.route is not None:
        q &= Q(**{f"{prefix}route_id": filters.route})
    if filters.van is not None:
        q &= Q(**{f"{prefix}route__mobile_unit_id": filters.van})
    return q


def visits_in(filters: ReportFilters, prefix: str = "") -> Q:
    """Visits dated (local clinic day) within the range and in scope."""
    return filters.date_q(f"{prefix}visit_date") & visit_scope_q(filters, prefix)


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@register
class VisitsPerPeriod(Report):
    slug = "visits"
    title = "Visits per day, week or month"
    description = "Clinic visits and the patients seen, per local day, week or month."
    category = ReportCategory.AGGREGATE
    uses_granularity = True
    columns = (
        Column("period", "Period", ColumnKind.DATE),
        Column("visits", "Visits", ColumnKind.COUNT),
        Column("patients", "Patients", ColumnKind.COUNT),
        Column("walk_in", "Walk-in", ColumnKind.COUNT, part_of="visits"),
        Column("scheduled", "Scheduled", ColumnKind.COUNT, part_of="visits"),
    )
    chart = Chart("line", "period", ("visits",))
    definition = (
        "Visits by the local clinic day they took place (the visit date the clinic records, Africa/"
        "Johannesburg), grouped by day, by week (Monday to Sunday) or by month. Patients: distinct people "
        "seen in that period. Every period in the range is listed, empty ones with zero; a week or month "
        "cut by the start or end of the range counts only its days inside the range."
    )

    def rows(self, filters):
        grouped = (
            Visit.objects.filter(visits_in(filters))
            .annotate(period=truncate_date("visit_date", filters.granularity))
            .values("period")
            .annotate(
                visits=Count("id"),
                patients=Count("patient", distinct=True),
                walk_in=Count("id", filter=Q(visit_type=VisitType.WALK_IN)),
                scheduled=Count("id", filter=Q(visit_type=VisitType.SCHEDULED)),
            )
            .order_by("period")
        )
        found = {as_local_date(row.pop("period")): row for row in grouped}
        empty = {"visits": 0, "patients": 0, "walk_in": 0, "scheduled": 0}
        return [
            {"period": period, **found.get(period, empty)}
            for period in periods(filters.date_from, filters.date_to, filters.granularity)
        ]


@register
class VisitsByPlace(Report):
    slug = "visits-by-place"
    title = "Visits by province, route and location type"
    description = "Clinic visits per month (or week, or day) per province, route and kind of place."
    category = ReportCategory.AGGREGATE
    uses_granularity = True
    default_granularity = Granularity.MONTH
    columns = (
        Column("period", "Period", ColumnKind.DATE),
        Column("province", "Province"),
        Column("route", "Route"),
        Column("location_type", "Location type"),
        Column("visits", "Visits", ColumnKind.COUNT),
        Column("patients", "Patients", ColumnKind.COUNT),
    )
    definition = (
        "Visits dated within the range, per local day, week (from Monday) or month. The province is the "
        "visit location's, or the route's when no location was recorded; visits recorded without route or "
        "location are listed as such. Periods without visits are left out."
    )

    def rows(self, filters):
        grouped = (
            Visit.objects.filter(visits_in(filters))
            .annotate(period=truncate_date("visit_date", filters.granularity))
            .values("period", "location__province", "route__province", "route__route_name", "location__location_type")
            .annotate(visits=Count("id"), patients=Count("patient", distinct=True))
            .order_by()
        )
        types = dict(LocationType.choices)
        rows = [
            {
                "period": as_local_date(row["period"]),
                "province": row["location__province"] or row["route__province"] or "Not recorded",
                "route": row["route__route_name"] or "No route",
                "location_type": types.get(row["location__location_type"], "Not recorded"),
                "visits": row["visits"],
                "patients": row["patients"],
            }
            for row in grouped
        ]
        return sorted(rows, key=lambda r: (r["period"], r["province"], r["route"], r["location_type"]))


@register
class StageWaitingTimes(Report):
    slug = "stage-waiting-times"
    title = "Waiting time per visit stage"
    description = "How long visits spend in each stage: median and 90th percentile, in minutes."
    category = ReportCategory.AGGREGATE
    columns = (
        Column("stage", "Stage"),
        Column("visits", "Visits through the stage", ColumnKind.COUNT),
        Column("median_minutes", "Median (min)", ColumnKind.MINUTES, denominator="visits"),
        Column("p90_minutes", "90th percentile (min)", ColumnKind.MINUTES, denominator="visits"),
        Column("in_stage_now", "In the stage now", ColumnKind.COUNT),
    )
    chart = Chart("bar", "stage", ("median_minutes", "p90_minutes"))
    definition = (
        "For visits dated within the range: the time from entering a stage to leaving it (the next stage "
        "change; for closure, closing the visit), from the recorded stage changes. Median and 90th "
        "percentile interpolate between the closest values (as PostgreSQL's percentile_cont). Visits still "
        "in a stage are counted under 'in the stage now', not in the times."
    )

    def rows(self, filters):
        changes = (
            VisitStageChange.objects.filter(visits_in(filters, "visit__"))
            .order_by("visit_id", "changed_at", "id")
            .values_list("visit_id", "to_stage", "changed_at", "visit__closed_at")
        )
        durations: dict[str, list[float]] = defaultdict(list)
        waiting: dict[str, int] = defaultdict(int)
        previous = None
        for visit_id, stage, changed_at, closed_at in [*changes, (None, None, None, None)]:
            if previous is not None:
                prev_visit, prev_stage, entered, prev_closed = previous
                if visit_id == prev_visit:
                    left = changed_at
                elif prev_stage == VisitStage.CLOSURE:
                    left = prev_closed
                else:
                    left = None
                if left is None:
                    waiting[prev_stage] += 1
                else:
                    durations[prev_stage].append((left - entered).total_seconds() / 60)
            previous = (visit_id, stage, changed_at, closed_at)
        return [
            {
                "stage": stage.label,
                "visits": len(durations[stage]),
                "median_minutes": _rounded(percentile(durations[stage], 0.5)),
                "p90_minutes": _rounded(percentile(durations[stage], 0.9)),
                "in_stage_now": waiting[stage],
            }
            for stage in VisitStage
        ]


def _rounded(value):
    return None if value is None else round(value, 1)


@register
class TopDiagnoses(Report):
    slug = "top-diagnoses"
    title = "Top diagnoses (ICD-10)"
    description = "The 20 most frequent ICD-10 diagnoses recorded at visits in the range."
    category = ReportCategory.AGGREGATE
    limit = 20
    columns = (
        Column("code", "ICD-10"),
        Column("description", "Diagnosis"),
        Column("diagnoses", "Times diagnosed", ColumnKind.COUNT),
        Column("primary", "As primary diagnosis", ColumnKind.COUNT),
        Column("patients", "Patients", ColumnKind.COUNT),
    )
    chart = Chart("bar", "code", ("diagnoses",))
    definition = (
        "Diagnoses (primary and secondary) recorded at visits dated within the range, by WHO ICD-10 code, "
        "most frequent first; ties in code order. Patients: distinct people with that code."
    )

    def rows(self, filters):
        grouped = (
            Diagnosis.objects.filter(visits_in(filters, "visit__"))
            .values("code")
            .annotate(
                diagnoses=Count("id"),
                primary=Count("id", filter=Q(rank="primary")),
                patients=Count("visit__patient", distinct=True),
                description=Max("description"),
            )
            .order_by("-diagnoses", "code")[: self.limit]
        )
        return [
            {
                "code": row["code"],
                "description": row["description"],
                "diagnoses": row["diagnoses"],
                "primary": row["primary"],
                "patients": row["patients"],
            }
            for row in grouped
        ]


@register
class ChronicConditionPrevalence(Report):
    slug = "chronic-conditions"
    title = "Chronic-condition prevalence"
    description = "Share of the patients seen in the range who report each chronic condition."
    category = ReportCategory.AGGREGATE
    columns = (
        Column("condition", "Condition"),
        Column("patients", "Patients with it", ColumnKind.COUNT),
        Column(
            "prevalence",
            "Of patients seen",
            ColumnKind.PERCENT,
            suppress_with=("patients",),
            denominator="patients_seen",
        ),
        Column("patients_seen", "Patients seen", ColumnKind.COUNT),
    )
    chart = Chart("bar", "condition", ("prevalence",))
    definition = (
        "Patients seen: distinct patients with a visit dated within the range. For each chronic condition "
        "recorded on their files (as reported at registration; names compared ignoring case and spaces at "
        "the ends), the number of those patients with it and their share of patients seen."
    )

    def rows(self, filters):
        seen = Visit.objects.filter(visits_in(filters)).values("patient_id")
        patients_seen = Visit.objects.filter(visits_in(filters)).values("patient_id").distinct().count()
        grouped = (
            ChronicCondition.objects.filter(patient_id__in=seen)
            .annotate(key=Lower(Trim("name")))
            .values("key")
            .annotate(patients=Count("patient", distinct=True), name=Max("name"))
            .order_by("-patients", "key")
        )
        return [
            {
                "condition": row["name"].strip(),
                "patients": row["patients"],
                "prevalence": share(row["patients"], patients_seen),
                "patients_seen": patients_seen,
            }
            for row in grouped
        ]


AGE_BANDS = ((0, 7, "0-7 days"), (8, 30, "8-30 days"), (31, 90, "31-90 days"), (91, None, "Over 90 days"))


@register
class OpenReferralsByAge(Report):
    slug = "referrals-open"
    title = "Open referrals by age"
    description = "Referrals not yet attended, cancelled or missed, by how long they have been open and urgency."
    category = ReportCategory.AGGREGATE
    uses_dates = False
    columns = (
        Column("age", "Open for"),
        Column("routine", "Routine", ColumnKind.COUNT, part_of="total"),
        Column("urgent", "Urgent", ColumnKind.COUNT, part_of="total"),
        Column("emergency", "Emergency", ColumnKind.COUNT, part_of="total"),
        Column("total", "Total", ColumnKind.COUNT),
    )
    chart = Chart("bar", "age", ("routine", "urgent", "emergency"))
    definition = (
        "Referrals that are pending, sent or have an appointment booked, today. Age: whole local days since "
        "the referral was made. Province, route and van are those of the visit the referral was made at; "
        "referrals made outside a visit count only when no such filter is chosen."
    )

    def rows(self, filters):
        today = local_today()
        counts = {label: dict.fromkeys(Urgency.values, 0) for *_, label in AGE_BANDS}
        created = Referral.objects.filter(visit_scope_q(filters, "visit__"), status__in=OPEN_REFERRAL_STATUSES)
        for urgency, created_at in created.values_list("urgency", "created_at"):
            age = (today - timezone.localtime(created_at, LOCAL_TZ).date()).days
            label = next(label for low, high, label in AGE_BANDS if age >= low and (high is None or age <= high))
            counts[label][urgency] += 1
        return [{"age": label, **by_urgency, "total": sum(by_urgency.values())} for label, by_urgency in counts.items()]


@register
class ReferralOutcomes(Report):
    slug = "referral-outcomes"
    title = "Referral outcomes and turnaround"
    description = (
        "Referrals made in the range: attended, missed, cancelled, still open; no-show rate; days to attendance."
    )
    category = ReportCategory.AGGREGATE
    columns = (
        Column("urgency", "Urgency"),
        Column("referrals", "Referrals", ColumnKind.COUNT),
        Column("attended", "Attended", ColumnKind.COUNT, part_of="referrals"),
        Column("no_show", "No-show", ColumnKind.COUNT, part_of="referrals"),
        Column("cancelled", "Cancelled", ColumnKind.COUNT, part_of="referrals"),
        Column("open", "Still open", ColumnKind.COUNT, part_of="referrals"),
        Column(
            "no_show_rate",
            "No-show rate",
            ColumnKind.PERCENT,
            suppress_with=("attended", "no_show"),
            denominator="with_outcome",
        ),
        Column("median_days", "Median days to attendance", ColumnKind.NUMBER, denominator="attended"),
        Column("p90_days", "90th percentile days", ColumnKind.NUMBER, denominator="attended"),
    )
    chart = Chart("bar", "urgency", ("attended", "no_show", "open"))
    definition = (
        "Referrals made (local day) within the range, per urgency. No-show rate: no-shows out of referrals "
        "with an outcome (attended or no-show). Turnaround: local days from the referral to attendance, "
        "where attendance is the booked appointment date, or the day attendance was recorded if no date "
        "was booked."
    )

    def rows(self, filters):
        referrals = (
            Referral.objects.filter(filters.period_q("created_at"), visit_scope_q(filters, "visit__"))
            .annotate(attended_at=Max("status_changes__changed_at", filter=Q(status_changes__to_status="attended")))
            .values_list("urgency", "status", "created_at", "appointment_date", "attended_at")
        )
        groups = {u: {"statuses": defaultdict(int), "days": []} for u in Urgency.values}
        for urgency, status, created_at, appointment_date, attended_at in referrals:
            group = groups[urgency]
            group["statuses"][status] += 1
            if status == ReferralStatus.ATTENDED:
                attended_on = appointment_date or (
                    timezone.localtime(attended_at, LOCAL_TZ).date() if attended_at else None
                )
                if attended_on is not None:
                    group["days"].append((attended_on - timezone.localtime(created_at, LOCAL_TZ).date()).days)
        rows = []
        for urgency, group in groups.items():
            statuses = group["statuses"]
            attended, no_show = statuses[ReferralStatus.ATTENDED], statuses[ReferralStatus.NO_SHOW]
            rows.append(
                {
                    "urgency": Urgency(urgency).label,
                    "referrals": sum(statuses.values()),
                    "attended": attended,
                    "no_show": no_show,
                    "cancelled": statuses[ReferralStatus.CANCELLED],
                    "open": sum(statuses[s] for s in OPEN_REFERRAL_STATUSES),
                    "no_show_rate": share(no_show, attended + no_show),
                    "with_outcome": attended + no_show,  # not shown; the base of the rate
                    "median_days": _rounded(percentile(group["days"], 0.5)),
                    "p90_days": _rounded(percentile(group["days"], 0.9)),
                }
            )
        return rows


@register
class VisitsByStageNow(Report):
    slug = "visits-by-stage"
    title = "Today's visits by stage"
    description = "Where today's visits are now: in which stage, or closed."
    category = ReportCategory.AGGREGATE
    uses_dates = False
    columns = (Column("stage", "Stage"), Column("visits", "Visits", ColumnKind.COUNT))
    chart = Chart("bar", "stage", ("visits",))
    definition = "Visits dated today (local day), by their current stage; closed visits are counted apart."

    def rows(self, filters):
        grouped = (
            Visit.objects.filter(visit_scope_q(filters), visit_date=local_today())
            .values("stage")
            .annotate(
                open=Count("id", filter=Q(closed_at__isnull=True)),
                closed=Count("id", filter=Q(closed_at__isnull=False)),
            )
            .order_by()
        )
        open_by_stage, closed = {}, 0
        for row in grouped:
            open_by_stage[row["stage"]] = row["open"]
            closed += row["closed"]
        return [{"stage": stage.label, "visits": open_by_stage.get(stage, 0)} for stage in VisitStage] + [
            {"stage": "Closed", "visits": closed}
        ]


@register
class ReferralFollowUp(Report):
    slug = "referral-follow-up"
    title = "Referrals to follow up"
    description = "Open referrals made in the range, oldest first, with the patient to contact."
    category = ReportCategory.CLINICAL
    identifiable = True
    columns = (
        Column("referred_on", "Referred on", ColumnKind.DATE),
        Column("days_open", "Days open", ColumnKind.NUMBER),
        Column("urgency", "Urgency"),
        Column("status", "Status"),
        Column("referred_to", "Referred to"),
        Column("appointment_date", "Appointment", ColumnKind.DATE),
        Column("patient", "Patient"),
        Column("phone", "Phone"),
    )
    definition = (
        "Referrals still pending, sent or with an appointment booked, made (local day) within the range, "
        "oldest first; an appointment date already past is a referral to chase. Every patient listed is "
        "recorded in the audit trail as read by the user who opened the report."
    )
    limit = 500

    def rows(self, filters):
        today = local_today()
        referrals = (
            Referral.objects.filter(
                filters.period_q("created_at"), visit_scope_q(filters, "visit__"), status__in=OPEN_REFERRAL_STATUSES
            )
            .select_related("patient")
            .order_by("created_at", "pk")[: self.limit]
        )
        rows = []
        for referral in referrals:
            referred_on = timezone.localtime(referral.created_at, LOCAL_TZ).date()
            patient = referral.patient
            rows.append(
                {
                    "referred_on": referred_on,
                    "days_open": (today - referred_on).days,
                    "urgency": referral.get_urgency_display(),
                    "status": referral.get_status_display(),
                    "referred_to": referral.external_provider or referral.department,
                    "appointment_date": referral.appointment_date,
                    "patient": str(patient),
                    "phone": patient.phone_number.as_national if patient.phone_number else "",
                    "patient_record": patient,  # not shown: what the audit trail records as read
                }
            )
        return rows
