"""The report machinery on its own: filters, percentiles, local-time grouping, suppression, CSV, charts."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.loader import render_to_string

from accounts.models import User
from accounts.tests.factories import UserFactory
from reports.charts import build_chart, nice_ceiling
from reports.choices import ColumnKind, Granularity
from reports.framework import (
    SUPPRESSED,
    Column,
    ReportFilters,
    ReportResult,
    as_local_date,
    percentile,
    periods,
    suppress_small_counts,
    truncate,
)
from reports.tests.helpers import StaffJoinedReport


class TestPercentile:
    def test_median_of_an_even_count_is_the_mean_of_the_middle_two(self):
        assert percentile([4, 1, 3, 2], 0.5) == 2.5

    def test_p90_interpolates_between_the_closest_ranks(self):
        # positions 0..9 for 1..10: 0.9 * 9 = 8.1 -> 9 + 0.1 * (10 - 9)
        assert percentile(range(1, 11), 0.9) == pytest.approx(9.1)

    def test_a_single_value_is_every_percentile(self):
        assert percentile([7], 0.5) == 7
        assert percentile([7], 0.9) == 7

    def test_no_values_give_no_percentile(self):
        assert percentile([], 0.5) is None
        assert percentile([None], 0.9) is None


class TestFilters:
    def test_defaults_are_the_last_thirty_local_days(self):
        filters = ReportFilters.from_query({})
        assert (filters.date_to - filters.date_from).days == 29
        assert filters.granularity == Granularity.DAY

    def test_it_parses_every_filter(self):
        filters = ReportFilters.from_query(
            {
                "date_from": "2026-11-01",
                "date_to": "2026-11-30",
                "province": "gauteng",
                "route": "7",
                "van": "3",
                "group_by": "week",
            }
        )
        assert filters == ReportFilters(date(2026, 11, 1), date(2026, 11, 30), "Gauteng", 7, 3, "week")

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"date_from": "01/11/2026"}, "date_from"),
            ({"date_from": "2026-12-02", "date_to": "2026-12-01"}, "date_from"),
            ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_to"),
            ({"province": "Transvaal"}, "province"),
            ({"route": "abc"}, "route"),
            ({"van": "-1"}, "van"),
            ({"group_by": "year"}, "group_by"),
        ],
    )
    def test_bad_filters_are_rejected_naming_the_field(self, params, field):
        with pytest.raises(ValidationError) as error:
            ReportFilters.from_query(params)
        assert field in error.value.message_dict

    def test_the_period_runs_from_local_midnight_to_local_midnight(self):
        filters = ReportFilters(date(2026, 12, 1), date(2026, 12, 1))
        assert filters.start == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
        assert filters.end == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)

    def test_a_scope_the_report_cannot_apply_matches_nothing(self):
        filters = ReportFilters(date(2026, 12, 1), date(2026, 12, 1), van=3)
        assert "pk__in" in str(filters.scope_q(province="province"))


def test_periods_cover_the_range_including_empty_ones():
    assert periods(date(2026, 11, 29), date(2026, 12, 2), "day") == [
        date(2026, 11, 29),
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 2),
    ]
    assert periods(date(2026, 11, 29), date(2026, 12, 2), "week") == [date(2026, 11, 23), date(2026, 11, 30)]
    assert periods(date(2026, 11, 29), date(2027, 1, 2), "month") == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


@pytest.mark.django_db
class TestLocalDateGrouping:
    """Timestamps are stored in UTC; clinics count days in Africa/Johannesburg (UTC+2)."""

    def grouped(self, granularity):
        rows = (
            User.objects.filter(email__startswith="tz")
            .annotate(period=truncate("date_joined", granularity))
            .values("period")
            .annotate(n=Count("id"))
            .order_by("period")
        )
        return {as_local_date(row["period"]): row["n"] for row in rows}

    @pytest.fixture(autouse=True)
    def joined(self, db):
        # 23:30 local on Monday 30 November, 00:30 local on Tuesday 1 December, 00:30 local on Monday 30 Nov.
        UserFactory(email="tz1@test.polmed.co.za", date_joined=datetime(2026, 11, 30, 21, 30, tzinfo=UTC))
        UserFactory(email="tz2@test.polmed.co.za", date_joined=datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
        UserFactory(email="tz3@test.polmed.co.za", date_joined=datetime(2026, 11, 29, 22, 30, tzinfo=UTC))

    def test_a_visit_at_half_past_eleven_local_counts_on_that_local_day(self):
        assert self.grouped("day") == {date(2026, 11, 30): 2, date(2026, 12, 1): 1}

    def test_weeks_start_on_local_monday(self):
        assert self.grouped("week") == {date(2026, 11, 30): 3}

    def test_months_follow_the_local_calendar(self):
        assert self.grouped("month") == {date(2026, 11, 1): 2, date(2026, 12, 1): 1}

    def test_the_date_range_filter_uses_local_days(self):
        filters = ReportFilters(date(2026, 11, 30), date(2026, 11, 30))
        emails = set(User.objects.filter(filters.period_q("date_joined")).values_list("email", flat=True))
        assert emails == {"tz1@test.polmed.co.za", "tz3@test.polmed.co.za"}


class TestSuppression:
    columns = (
        Column("place", "Place"),
        Column("visits", "Visits", ColumnKind.COUNT),
        Column("median", "Median wait", ColumnKind.MINUTES, denominator="visits"),
        Column("cost", "Cost", ColumnKind.MONEY),
    )

    def test_counts_from_one_to_four_are_hidden_with_what_derives_from_them(self):
        rows = [
            {"place": "A", "visits": 0, "median": None, "cost": 1},
            {"place": "B", "visits": 1, "median": 12.0, "cost": 2},
            {"place": "C", "visits": 4, "median": 30.0, "cost": 3},
            {"place": "D", "visits": 5, "median": 40.0, "cost": 4},
        ]
        result, hidden = suppress_small_counts(self.columns, rows)
        assert [r["visits"] for r in result] == [0, SUPPRESSED, SUPPRESSED, 5]
        assert [r["median"] for r in result] == [None, SUPPRESSED, SUPPRESSED, 40.0]
        assert [r["cost"] for r in result] == [1, 2, 3, 4]
        assert hidden == 4
        assert rows[1]["visits"] == 1, "the input rows are left alone"

    def test_hidden_cells_are_null_in_json_and_less_than_five_in_csv_and_tables(self):
        report = StaffJoinedReport()
        rows, hidden = suppress_small_counts(report.columns, [{"day": date(2026, 12, 1), "joined": 3}])
        result = ReportResult(report, ReportFilters(date(2026, 12, 1), date(2026, 12, 1)), rows, hidden)
        assert result.as_dict()["rows"] == [{"day": "2026-12-01", "joined": None}]
        assert result.as_dict()["suppressed_cells"] == 1
        assert result.csv_text().splitlines() == ["Day,Staff joined", "2026-12-01,<5"]
        assert result.table() == [["2026-12-01", "<5"]]


def test_csv_neutralises_spreadsheet_formulas_in_text():
    report = StaffJoinedReport()
    report.columns = (Column("name", "Name"), Column("n", "N", ColumnKind.COUNT))
    result = ReportResult(
        report, ReportFilters(date(2026, 12, 1), date(2026, 12, 1)), [{"name": "=HYPERLINK()", "n": 9}]
    )
    assert result.csv_text().splitlines()[1] == "'=HYPERLINK(),9"


class TestCharts:
    def test_the_axis_ends_on_a_round_number(self):
        assert [nice_ceiling(v) for v in (0, 3, 7, 12, 180, 0.4)] == [1, 5, 10, 20, 200, 0.5]

    def test_bars_are_proportional_to_their_values(self):
        chart = build_chart("bar", ["a", "b"], [("Visits", [10, 5])], title="Visits")
        (_, y1, _, h1, *_), (_, y2, _, h2, *_) = chart.bars
        assert h1 == pytest.approx(2 * h2, abs=0.2)
        assert y1 < y2

    def test_hidden_values_draw_no_bar_but_say_so(self):
        chart = build_chart("bar", ["a", "b"], [("Visits", [10, SUPPRESSED])], title="Visits")
        assert len(chart.bars) == 1
        assert [text for *_, text in chart.gaps] == ["<5"]

    def test_a_line_chart_joins_its_points(self):
        chart = build_chart("line", ["a", "b", "c"], [("Visits", [1, 2, 3])], title="Visits")
        assert len(chart.lines) == 1 and chart.lines[0][0].count(",") == 3

    def test_charts_render_as_inline_svg_with_escaped_text(self):
        chart = build_chart("bar", ["<script>"], [("Visits", [3])], title="Visits & more")
        html = render_to_string("reports/charts/chart.html", {"chart": chart})
        assert "<svg" in html and "<script>" not in html and "&lt;script&gt;" in html
        assert "Visits &amp; more" in html
        assert "http" not in html.replace("http://www.w3.org/2000/svg", "")

    def test_an_empty_chart_says_there_is_no_data(self):
        html = render_to_string("reports/charts/chart.html", {"chart": build_chart("bar", [], [], title="Visits")})
        assert "<svg" not in html and "No data" in html


@pytest.mark.django_db
def test_exactly_the_roles_with_patient_access_see_small_counts(user_with_role):
    from accounts.choices import Role
    from reports.models import SMALL_COUNTS_PERMISSION

    for role in Role:
        user = user_with_role(role)
        assert user.has_perm(SMALL_COUNTS_PERMISSION) == user.has_perm("clinical.view_patient"), role
