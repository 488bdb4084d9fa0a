"""The small machinery every report shares: filters, columns, the registry, small-count
suppression, local-time date grouping, percentiles and CSV.

A report is a class with a slug, a category (which decides the permission), columns and a
`rows(filters)` method returning a list of dicts. Everything else (parsing filters, checking
permissions, hiding small counts, CSV, charts, pages) is done here once.
"""

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import DateField, F, Q
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from polmed.audit import log_reads
from polmed.choices import Province
from reports.choices import ColumnKind, Granularity, ReportCategory
from reports.models import PERMISSION_FOR_CATEGORY, SMALL_COUNTS_PERMISSION

# Clinics work in South African time: a visit at 23:30 belongs to that local day.
LOCAL_TZ = ZoneInfo("Africa/Johannesburg")
# Counts from 1 to 4 are hidden from roles without patient access; 0 reveals no one and stays.
SUPPRESSION_THRESHOLD = 5
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


def local_today() -> date:
    return timezone.localdate(timezone=LOCAL_TZ)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def truncate(field_name: str, granularity: str):
    """A database expression giving the local day, week (Monday) or month (1st) of a timestamp."""
    functions = {Granularity.DAY: TruncDate, Granularity.WEEK: TruncWeek, Granularity.MONTH: TruncMonth}
    return functions[Granularity(granularity)](field_name, tzinfo=LOCAL_TZ)


def truncate_date(field_name: str, granularity: str):
    """The same for a date column, which already holds a local day (no time zone to convert)."""
    if granularity == Granularity.DAY:
        return F(field_name)
    functions = {Granularity.WEEK: TruncWeek, Granularity.MONTH: TruncMonth}
    return functions[Granularity(granularity)](field_name, output_field=DateField())


def as_local_date(value) -> date | None:
    """Truncation results come back as dates or as aware datetimes, depending on the function."""
    if isinstance(value, datetime):
        return timezone.localtime(value, LOCAL_TZ).date() if timezone.is_aware(value) else value.date()
    return value


def period_start(day: date, granularity: str) -> date:
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    return day


def periods(first: date, last: date, granularity: str) -> list[date]:
    """Every period between two days, so that charts show the empty days too."""
    result, current = [], period_start(first, granularity)
    while current <= last:
        result.append(current)
        if granularity == Granularity.MONTH:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7 if granularity == Granularity.WEEK else 1)
    return result


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont, numpy's default).

    Computed in Python because neither SQLite nor MariaDB has an ordered-set aggregate that
    Django can use portably; callers fetch the values with one `values_list` query.
    """
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class ReportFilters:
    """The filters every report understands. Dates are local (Africa/Johannesburg) and inclusive."""

    date_from: date
    date_to: date
    province: str | None = None
    route: int | None = None
    van: int | None = None
    granularity: str = Granularity.DAY

    @classmethod
    def default(cls, **overrides) -> "ReportFilters":
        today = local_today()
        values = {"date_from": today - timedelta(days=DEFAULT_DAYS - 1), "date_to": today, **overrides}
        return cls(**values)

    @classmethod
    def from_query(cls, params, *, default_granularity: str = Granularity.DAY, days_ahead: int = 0) -> "ReportFilters":
        """Parse `date_from`, `date_to`, `province`, `route`, `van`, `group_by`; a ValidationError names the field.

        Without dates the range is the last 30 local days, or, for a report that looks ahead
        (`days_ahead`), today and the days after it.
        """
        errors: dict[str, str] = {}
        today = local_today() + timedelta(days=days_ahead)

        def parse_date(name):
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors[name] = "Enter a date as YYYY-MM-DD."
                return None

        def parse_id(name):
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            if not raw.isdigit():
                errors[name] = "Enter the numeric id."
                return None
            return int(raw)

        date_to = parse_date("date_to")
        date_from = parse_date("date_from")
        if date_to is None and "date_to" not in errors:
            date_to = today
        if date_from is None and "date_from" not in errors and date_to is not None:
            date_from = date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_from and date_to:
            if date_from > date_to:
                errors["date_from"] = "The start date must be on or before the end date."
            elif (date_to - date_from).days >= MAX_DAYS:
                errors["date_to"] = f"The date range may span at most {MAX_DAYS} days."

        province = (params.get("province") or "").strip() or None
        if province is not None:
            matches = [p for p in Province.values if p.lower() == province.lower()]
            if matches:
                province = matches[0]
            else:
                errors["province"] = "Choose one of the nine provinces: " + ", ".join(Province.values) + "."

        granularity = (params.get("group_by") or default_granularity).strip().lower()
        if granularity not in Granularity.values:
            errors["group_by"] = "Choose day, week or month."

        route, van = parse_id("route"), parse_id("van")
        if errors:
            raise ValidationError({name: [message] for name, message in errors.items()})
        return cls(date_from, date_to, province, route, van, granularity)

    @property
    def start(self) -> datetime:
        """The first instant of `date_from`, local time (compare timestamps with >=)."""
        return local_midnight(self.date_from)

    @property
    def end(self) -> datetime:
        """The first instant after `date_to`, local time (compare timestamps with <)."""
        return local_midnight(self.date_to + timedelta(days=1))

    def period_q(self, field_name: str) -> Q:
        """Timestamps within the range, as an index-friendly range (not a `__date` lookup)."""
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end})

    def date_q(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.date_from, f"{field_name}__lte": self.date_to})

    def scope_q(self, *, province: str | None = None, route: str | None = None, van: str | None = None) -> Q:
        """The province/route/van filters, given the lookup path each takes on the report's model.

        A filter the report cannot apply (no path given) matches nothing rather than being ignored
        silently, so a figure is never reported for a scope it was not computed for.
        """
        q = Q()
        for value, path in ((self.province, province), (self.route, route), (self.van, van)):
            if value is None:
                continue
            q &= Q(**{path: value}) if path else Q(pk__in=[])
        return q

    def as_query(self) -> dict[str, str]:
        values = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "province": self.province,
            "route": self.route,
            "van": self.van,
            "group_by": self.granularity,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    def describe(self) -> dict:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "province": self.province,
            "route": self.route,
            "van": self.van,
            "group_by": self.granularity,
        }


@dataclass(frozen=True)
class Column:
    """One column of a report.

    A derived figure (a rate, a median) names the counts it rests on: `suppress_with`, whose
    hiding hides it too (a rate would give its numerator away), and `denominator`, the number
    of people it is computed over, below the threshold of which it is hidden. `part_of` names
    the total a count adds up to: when a part is hidden, the total is hidden too, so the part
    cannot be worked out by subtraction.
    """

    key: str
    label: str
    kind: str = ColumnKind.TEXT
    suppress_with: tuple[str, ...] = ()
    denominator: str | None = None
    part_of: str | None = None


@dataclass(frozen=True)
class Chart:
    """How a report's page draws it: a bar or line chart of `series` against `x`."""

    kind: str  # "bar" or "line"
    x: str
    series: tuple[str, ...]
    # Add up rows that share an x value (a total per item across months and vans).
    combine: bool = False


class Report:
    """Subclass, set the attributes and implement `rows`; `@register` makes it an endpoint and a page."""

    slug: str = ""
    title: str = ""
    description: str = ""
    category: str = ReportCategory.AGGREGATE
    columns: tuple[Column, ...] = ()
    # Which of province / route / van the report can filter by; dates are always accepted.
    scopes: tuple[str, ...] = ("province", "route", "van")
    uses_dates: bool = True
    uses_granularity: bool = False
    default_granularity: str = Granularity.DAY
    # A report about what is coming (maintenance due) defaults to the next 30 days instead of the last.
    days_ahead: int = 0
    # True when rows name or identify patients: such a report must be in the clinical category.
    identifiable: bool = False
    chart: Chart | None = None
    # Notes shown under the table and in docs: the exact definition of each figure.
    definition: str = ""

    @property
    def permission(self) -> str:
        return PERMISSION_FOR_CATEGORY[ReportCategory(self.category)]

    def rows(self, filters: ReportFilters) -> list[dict]:
        raise NotImplementedError

    def parse_filters(self, params) -> ReportFilters:
        return ReportFilters.from_query(
            params, default_granularity=self.default_granularity, days_ahead=self.days_ahead
        )

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


REGISTRY: dict[str, Report] = {}


def register(cls: type[Report]) -> type[Report]:
    report = cls()
    assert report.slug and report.slug not in REGISTRY, f"duplicate or empty report slug {report.slug!r}"
    assert not report.identifiable or report.category == ReportCategory.CLINICAL, (
        f"{report.slug}: identifiable reports belong in the clinical category"
    )
    REGISTRY[report.slug] = report
    return cls


def reports_for(user) -> list[Report]:
    return [report for report in REGISTRY.values() if user.has_perm(report.permission)]


class Suppressed:
    """A hidden cell: null in JSON, "<5" in CSV and on pages."""

    def __repr__(self):
        return f"<{SUPPRESSION_THRESHOLD}"

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, Suppressed)

    def __hash__(self):
        return hash(Suppressed)


SUPPRESSED = Suppressed()


def suppress_small_counts(columns: Iterable[Column], rows: list[dict]) -> tuple[list[dict], int]:
    """Hide counts from 1 to threshold-1, the totals they are part of, and every figure derived
    from a hidden or small count. The one place suppression happens; returns new rows and how
    many cells were hidden."""
    columns = list(columns)
    counts = [c.key for c in columns if c.kind == ColumnKind.COUNT]
    parts = [c for c in columns if c.part_of]
    derived = [c for c in columns if c.suppress_with or c.denominator]
    hidden = 0
    result = []
    for row in rows:
        row = dict(row)
        small = {key for key in counts if isinstance(row.get(key), int) and 0 < row[key] < SUPPRESSION_THRESHOLD}
        for column in parts:
            if column.key in small:
                small.add(column.part_of)
        for column in derived:
            if row.get(column.key) is None:
                continue
            base = row.get(column.denominator) if column.denominator else None
            if any(key in small for key in column.suppress_with) or (
                isinstance(base, int) and base < SUPPRESSION_THRESHOLD
            ):
                small.add(column.key)
        for key in small:
            row[key] = SUPPRESSED
        hidden += len(small)
        result.append(row)
    return result, hidden


def may_see_small_counts(user) -> bool:
    return user.has_perm(SMALL_COUNTS_PERMISSION)


@dataclass
class ReportResult:
    report: Report
    filters: ReportFilters
    rows: list[dict]
    suppressed_cells: int = 0
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        keys = [c.key for c in self.report.columns]
        return {
            "report": self.report.slug,
            "title": self.report.title,
            "filters": self.filters.describe(),
            "columns": [{"key": c.key, "label": c.label, "type": c.kind} for c in self.report.columns],
            "rows": [{key: _json_value(row.get(key)) for key in keys} for row in self.rows],
            "suppressed_cells": self.suppressed_cells,
            "suppression_threshold": SUPPRESSION_THRESHOLD,
        }

    def table(self) -> list[list[str]]:
        """Rows as display strings, in column order (pages and CSV)."""
        return [[format_cell(row.get(c.key), c.kind) for c in self.report.columns] for row in self.rows]

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([c.label for c in self.report.columns])
        for row in self.rows:
            writer.writerow([_csv_cell(row.get(c.key), c.kind) for c in self.report.columns])
        return buffer.getvalue()

    def csv_filename(self) -> str:
        return f"{self.report.slug}_{self.filters.date_from.isoformat()}_{self.filters.date_to.isoformat()}.csv"


def run_report(report: Report, filters: ReportFilters, user, *, remote_addr: str | None = None) -> ReportResult:
    rows = report.rows(filters)
    if report.identifiable:
        # POPIA: a list that names patients is a read of each patient's record.
        log_reads([row["patient_record"] for row in rows], actor=user, remote_addr=remote_addr)
    if may_see_small_counts(user):
        return ReportResult(report, filters, rows)
    rows, hidden = suppress_small_counts(report.columns, rows)
    return ReportResult(report, filters, rows, suppressed_cells=hidden)


def _json_value(value):
    if isinstance(value, Suppressed):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    if hasattr(value, "quantize"):  # Decimal: money stays exact, as a string-free number
        return float(round(value, 2))
    return value


def format_cell(value, kind: str) -> str:
    if isinstance(value, Suppressed):
        return str(value)
    if value is None:
        return ""
    if kind == ColumnKind.DATE and isinstance(value, date):
        return value.isoformat()
    if kind == ColumnKind.MONEY:
        return f"{float(value):,.2f}".replace(",", " ")
    if kind == ColumnKind.PERCENT:
        return f"{float(value):.1f}%"
    if kind in (ColumnKind.HOURS, ColumnKind.MINUTES, ColumnKind.NUMBER) and isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _csv_cell(value, kind: str) -> str:
    if isinstance(value, Suppressed):
        return str(value)
    if value is None:
        return ""
    if kind == ColumnKind.MONEY:
        return f"{float(value):.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    text = value.isoformat() if isinstance(value, date) else str(value)
    # Spreadsheets run cells that start with these as formulas.
    if kind == ColumnKind.TEXT and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text
