"""Visits, stage waiting times, diagnoses, chronic conditions and referrals, against hand-computed figures."""

import datetime
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from clinical import services
from clinical.choices import ReferralStatus, Urgency, VisitStage, VisitType
from clinical.models import (
    ChronicCondition,
    Diagnosis,
    Patient,
    Referral,
    ReferralStatusChange,
    Visit,
    VisitStageChange,
)
from clinical.tests.factories import PatientFactory, ReferralFactory, VisitFactory
from polmed.testing import assert_access
from reports.framework import REGISTRY, ReportFilters
from scheduling.choices import LocationType
from scheduling.tests.factories import LocationFactory, RouteFactory

pytestmark = pytest.mark.django_db

LOCAL = datetime.timezone(timedelta(hours=2))
AGGREGATE_ROLES = {
    Role.ADMINISTRATOR,
    Role.DOCTOR,
    Role.NURSE,
    Role.CLERK,
    Role.SOCIAL_WORKER,
    Role.FINANCE,
    Role.VIEWER,
}


def rows(slug, **params):
    return REGISTRY[slug].rows(REGISTRY[slug].parse_filters(params))


@pytest.fixture
def places():
    gauteng = RouteFactory(route_name="Gauteng police", province="Gauteng")
    limpopo = RouteFactory(route_name="Limpopo schools", province="Limpopo")
    station = LocationFactory(province="Gauteng", location_type=LocationType.POLICE_STATION)
    school = LocationFactory(province="Limpopo", location_type=LocationType.SCHOOL)
    return {"gauteng": gauteng, "limpopo": limpopo, "station": station, "school": school}


@pytest.fixture
def visits(places):
    p1, p2, p3 = PatientFactory(), PatientFactory(), PatientFactory()
    g, s = (
        {"route": places["gauteng"], "location": places["station"]},
        {
            "route": places["limpopo"],
            "location": places["school"],
        },
    )
    VisitFactory(patient=p1, visit_date=datetime.date(2026, 11, 30), visit_type=VisitType.WALK_IN, **g)
    VisitFactory(patient=p1, visit_date=datetime.date(2026, 11, 30), visit_type=VisitType.SCHEDULED, **g)
    VisitFactory(patient=p2, visit_date=datetime.date(2026, 12, 1), visit_type=VisitType.WALK_IN, **s)
    VisitFactory(patient=p3, visit_date=datetime.date(2026, 11, 28), visit_type=VisitType.WALK_IN, **g)
    VisitFactory(patient=p3, visit_date=datetime.date(2026, 12, 1), route=places["limpopo"], location=None)
    return p1, p2, p3


class TestVisits:
    def test_visits_per_day_list_every_day_with_patients_and_visit_types(self, visits):
        assert rows("visits", date_from="2026-11-29", date_to="2026-12-01") == [
            {"period": datetime.date(2026, 11, 29), "visits": 0, "patients": 0, "walk_in": 0, "scheduled": 0},
            {"period": datetime.date(2026, 11, 30), "visits": 2, "patients": 1, "walk_in": 1, "scheduled": 1},
            {"period": datetime.date(2026, 12, 1), "visits": 2, "patients": 2, "walk_in": 2, "scheduled": 0},
        ]

    def test_visits_per_week_and_month(self, visits):
        weekly = rows("visits", date_from="2026-11-23", date_to="2026-12-06", group_by="week")
        assert [(r["period"], r["visits"], r["patients"]) for r in weekly] == [
            (datetime.date(2026, 11, 23), 1, 1),
            (datetime.date(2026, 11, 30), 4, 3),
        ]
        monthly = rows("visits", date_from="2026-11-01", date_to="2026-12-31", group_by="month")
        assert [(r["period"], r["visits"]) for r in monthly] == [
            (datetime.date(2026, 11, 1), 3),
            (datetime.date(2026, 12, 1), 2),
        ]

    def test_a_visit_opened_at_half_past_eleven_at_night_counts_on_that_local_day(self, monkeypatch, places):
        clerk = UserFactory(role=Role.CLERK)
        patient = PatientFactory()
        for instant in (
            datetime.datetime(2026, 11, 30, 21, 30, tzinfo=UTC),
            datetime.datetime(2026, 11, 30, 22, 30, tzinfo=UTC),
        ):
            monkeypatch.setattr(timezone, "now", lambda instant=instant: instant)
            services.open_visit(patient=patient, by=clerk, visit_type=VisitType.WALK_IN, route=places["gauteng"])
        monkeypatch.undo()
        result = rows("visits", date_from="2026-11-30", date_to="2026-12-01")
        assert [(r["period"], r["visits"]) for r in result] == [
            (datetime.date(2026, 11, 30), 1),
            (datetime.date(2026, 12, 1), 1),
        ]

    def test_visits_by_period_province_route_and_location_type(self, visits):
        nov, dec = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)
        place = ("period", "province", "route", "location_type", "visits", "patients")
        assert rows("visits-by-place", date_from="2026-11-29", date_to="2026-12-01") == [
            dict(zip(place, (nov, "Gauteng", "Gauteng police", "Police station", 2, 1), strict=True)),
            dict(zip(place, (dec, "Limpopo", "Limpopo schools", "Not recorded", 1, 1), strict=True)),
            dict(zip(place, (dec, "Limpopo", "Limpopo schools", "School", 1, 1), strict=True)),
        ]
        by_day = rows("visits-by-place", date_from="2026-11-28", date_to="2026-11-30", group_by="day")
        assert [(r["period"], r["visits"]) for r in by_day] == [
            (datetime.date(2026, 11, 28), 1),
            (datetime.date(2026, 11, 30), 2),
        ]

    @pytest.mark.parametrize(("scope", "expected"), [("province", 2), ("route", 2), ("van", 2)])
    def test_visits_for_one_province_route_or_van(self, visits, places, scope, expected):
        value = {"province": "Limpopo", "route": places["limpopo"].pk, "van": places["limpopo"].mobile_unit_id}[scope]
        result = rows("visits", date_from="2026-11-29", date_to="2026-12-01", **{scope: str(value)})
        assert sum(r["visits"] for r in result) == expected


def stage_path(visit_date, *steps, closed=None):
    """steps: (stage, "HH:MM") in order; closed: "HH:MM" or None."""
    visit = VisitFactory(visit_date=visit_date, stage=steps[-1][0])

    def at(hhmm):
        hour, minute = map(int, hhmm.split(":"))
        return datetime.datetime.combine(visit_date, datetime.time(hour, minute), tzinfo=LOCAL)

    previous = ""
    for stage, hhmm in steps:
        VisitStageChange.objects.create(visit=visit, from_stage=previous, to_stage=stage, changed_at=at(hhmm))
        previous = stage
    if closed:
        Visit.objects.filter(pk=visit.pk).update(closed_at=at(closed))
    return visit


class TestStageWaitingTimes:
    @pytest.fixture
    def paths(self):
        day = datetime.date(2026, 11, 10)
        r, a, c, n, z = (
            VisitStage.REGISTRATION,
            VisitStage.ASSESSMENT,
            VisitStage.CONSULTATION,
            VisitStage.COUNSELING,
            VisitStage.CLOSURE,
        )
        stage_path(day, (r, "08:00"), (a, "08:10"), (c, "08:40"), (z, "09:40"), closed="09:50")
        stage_path(day, (r, "08:00"), (a, "08:20"), (c, "09:00"), (n, "09:30"), (z, "10:00"), closed="10:30")
        stage_path(day, (r, "08:00"), (a, "08:30"), (c, "08:50"))
        # Another day, outside the range.
        stage_path(datetime.date(2026, 11, 11), (r, "08:00"), (a, "12:00"))

    def test_median_and_90th_percentile_per_stage(self, paths):
        result = rows("stage-waiting-times", date_from="2026-11-10", date_to="2026-11-10")
        assert result == [
            {"stage": "Registration", "visits": 3, "median_minutes": 20.0, "p90_minutes": 28.0, "in_stage_now": 0},
            {"stage": "Assessment", "visits": 3, "median_minutes": 30.0, "p90_minutes": 38.0, "in_stage_now": 0},
            {"stage": "Consultation", "visits": 2, "median_minutes": 45.0, "p90_minutes": 57.0, "in_stage_now": 1},
            {"stage": "Counseling", "visits": 1, "median_minutes": 30.0, "p90_minutes": 30.0, "in_stage_now": 0},
            {"stage": "Closure", "visits": 2, "median_minutes": 20.0, "p90_minutes": 28.0, "in_stage_now": 0},
        ]

    def test_viewers_do_not_get_times_from_fewer_than_five_visits(self, paths, client_for):
        data = (
            client_for(Role.VIEWER)
            .get("/api/reports/stage-waiting-times", {"date_from": "2026-11-10", "date_to": "2026-11-10"})
            .json()["data"]
        )
        assert all(row["median_minutes"] is None and row["p90_minutes"] is None for row in data["rows"])
        assert all(row["visits"] is None for row in data["rows"])


@pytest.fixture
def diagnosed(visits):
    p1, p2, p3 = visits
    v1, v2 = Visit.objects.filter(patient=p1).order_by("pk")
    v3 = Visit.objects.get(patient=p2)
    v_out = Visit.objects.get(patient=p3, visit_date=datetime.date(2026, 11, 28))
    hypertension = "Essential (primary) hypertension"
    Diagnosis.objects.create(visit=v1, code="I10", description=hypertension, rank="primary")
    Diagnosis.objects.create(visit=v2, code="I10", description=hypertension, rank="secondary")
    Diagnosis.objects.create(visit=v3, code="I10", description=hypertension, rank="primary")
    Diagnosis.objects.create(visit=v3, code="E11", description="Type 2 diabetes mellitus", rank="secondary")
    Diagnosis.objects.create(visit=v_out, code="J45", description="Asthma", rank="primary")
    ChronicCondition.objects.create(patient=p1, name="Hypertension")
    ChronicCondition.objects.create(patient=p2, name=" Hypertension")
    ChronicCondition.objects.create(patient=p2, name="Diabetes")
    ChronicCondition.objects.create(patient=p3, name="Asthma")  # p3 is seen on 1 December, in the range
    return visits


def test_top_diagnoses_count_codes_primary_and_patients(diagnosed):
    assert rows("top-diagnoses", date_from="2026-11-29", date_to="2026-12-01") == [
        {"code": "I10", "description": "Essential (primary) hypertension", "diagnoses": 3, "primary": 2, "patients": 2},
        {"code": "E11", "description": "Type 2 diabetes mellitus", "diagnoses": 1, "primary": 0, "patients": 1},
    ]


def test_chronic_condition_prevalence_among_patients_seen(diagnosed):
    assert rows("chronic-conditions", date_from="2026-11-29", date_to="2026-12-01") == [
        {"condition": "Hypertension", "patients": 2, "prevalence": 66.7, "patients_seen": 3},
        {"condition": "Asthma", "patients": 1, "prevalence": 33.3, "patients_seen": 3},
        {"condition": "Diabetes", "patients": 1, "prevalence": 33.3, "patients_seen": 3},
    ]


def test_prevalence_is_hidden_from_viewers_when_it_would_reveal_a_small_count(diagnosed, client_for):
    data = (
        client_for(Role.VIEWER)
        .get("/api/reports/chronic-conditions", {"date_from": "2026-11-29", "date_to": "2026-12-01"})
        .json()["data"]
    )
    assert [(r["condition"], r["patients"], r["prevalence"]) for r in data["rows"]] == [
        ("Hypertension", None, None),
        ("Asthma", None, None),
        ("Diabetes", None, None),
    ]


def referral(created_at, urgency=Urgency.ROUTINE, status=ReferralStatus.PENDING, **fields):
    r = ReferralFactory(urgency=urgency, status=status, **fields)
    Referral.objects.filter(pk=r.pk).update(created_at=created_at)
    return r


def test_open_referrals_by_age_and_urgency():
    now = timezone.now()
    referral(now)
    referral(now - timedelta(days=7))
    referral(now - timedelta(days=10), Urgency.URGENT, ReferralStatus.SENT)
    referral(now - timedelta(days=100), Urgency.EMERGENCY, ReferralStatus.APPOINTMENT_BOOKED)
    referral(now - timedelta(days=3), status=ReferralStatus.ATTENDED)
    referral(now - timedelta(days=3), status=ReferralStatus.CANCELLED)
    assert rows("referrals-open") == [
        {"age": "0-7 days", "routine": 2, "urgent": 0, "emergency": 0, "total": 2},
        {"age": "8-30 days", "routine": 0, "urgent": 1, "emergency": 0, "total": 1},
        {"age": "31-90 days", "routine": 0, "urgent": 0, "emergency": 0, "total": 0},
        {"age": "Over 90 days", "routine": 0, "urgent": 0, "emergency": 1, "total": 1},
    ]


def test_referral_outcomes_no_show_rate_and_turnaround():
    nov = lambda day, hour=10, minute=0: datetime.datetime(2026, 11, day, hour, minute, tzinfo=LOCAL)  # noqa: E731
    urgent, attended = Urgency.URGENT, ReferralStatus.ATTENDED
    referral(nov(10), urgent, attended, appointment_date=datetime.date(2026, 11, 20))  # 10 days
    recorded = referral(nov(10), urgent, attended)  # attendance recorded on 15 November: 5 days
    ReferralStatusChange.objects.create(
        referral=recorded, from_status=ReferralStatus.APPOINTMENT_BOOKED, to_status=attended, changed_at=nov(15)
    )
    referral(nov(10), urgent, ReferralStatus.NO_SHOW)
    referral(nov(10), urgent, ReferralStatus.CANCELLED)
    referral(nov(10), urgent, ReferralStatus.SENT)
    referral(nov(1), status=attended, appointment_date=datetime.date(2026, 11, 30))  # 29 days
    referral(nov(30, 23, 30))  # 23:30 local on the last day: in the range
    referral(datetime.datetime(2026, 12, 1, 0, 30, tzinfo=LOCAL))  # the next local day: out

    assert rows("referral-outcomes", date_from="2026-11-01", date_to="2026-11-30") == [
        {
            "urgency": "Routine",
            "referrals": 2,
            "attended": 1,
            "no_show": 0,
            "cancelled": 0,
            "open": 1,
            "no_show_rate": 0.0,
            "median_days": 29,
            "p90_days": 29,
            "with_outcome": 1,
        },
        {
            "urgency": "Urgent",
            "referrals": 5,
            "attended": 2,
            "no_show": 1,
            "cancelled": 1,
            "open": 1,
            "no_show_rate": 33.3,
            "median_days": 7.5,
            "p90_days": 9.5,
            "with_outcome": 3,
        },
        {
            "urgency": "Emergency",
            "referrals": 0,
            "attended": 0,
            "no_show": 0,
            "cancelled": 0,
            "open": 0,
            "no_show_rate": None,
            "median_days": None,
            "p90_days": None,
            "with_outcome": 0,
        },
    ]


CLINICAL_SLUGS = [
    "visits",
    "visits-by-place",
    "stage-waiting-times",
    "top-diagnoses",
    "chronic-conditions",
    "referrals-open",
    "referral-outcomes",
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("slug", CLINICAL_SLUGS)
def test_activity_and_health_reports_are_open_to_aggregate_roles(client_for, role, slug):
    assert_access(client_for(role).get(f"/api/reports/{slug}"), role in AGGREGATE_ROLES)


@pytest.mark.parametrize("slug", CLINICAL_SLUGS)
def test_no_report_finance_or_viewers_open_names_anyone(diagnosed, client_for, slug):
    ReferralFactory(patient=diagnosed[0])
    params = {"date_from": "2026-11-01", "date_to": "2026-12-31"}
    texts = []
    for role in (Role.FINANCE, Role.VIEWER):
        client = client_for(role)
        texts += [client.get(f"/api/reports/{slug}", params).content.decode()]
        texts += [client.get(f"/api/reports/{slug}/csv", params).content.decode()]
    identifying = [
        value
        for p in Patient.objects.all()
        for value in (
            p.first_name,
            p.last_name,
            p.id_number,
            p.phone_number.as_e164 if p.phone_number else "",
            p.medical_aid_number,
        )
        if value
    ]
    for text in texts:
        for value in identifying:
            assert value not in text


def bulk_visits(n, day=datetime.date(2026, 11, 10)):
    patients = Patient.objects.bulk_create(
        Patient(
            first_name="Bulk",
            last_name=f"Patient{i}",
            date_of_birth=datetime.date(1980, 1, 1),
            gender="Male",
            province="Gauteng",
        )
        for i in range(n)
    )
    patients = list(Patient.objects.filter(first_name="Bulk"))
    visits = Visit.objects.bulk_create(
        Visit(patient=p, visit_date=day, stage=VisitStage.ASSESSMENT, stage_entered_at=timezone.now()) for p in patients
    )
    visits = list(Visit.objects.filter(patient__first_name="Bulk"))
    base = datetime.datetime(2026, 11, 10, 8, tzinfo=LOCAL)
    VisitStageChange.objects.bulk_create(
        change
        for v in visits
        for change in (
            VisitStageChange(visit=v, from_stage="", to_stage=VisitStage.REGISTRATION, changed_at=base),
            VisitStageChange(
                visit=v,
                from_stage=VisitStage.REGISTRATION,
                to_stage=VisitStage.ASSESSMENT,
                changed_at=base + timedelta(minutes=v.pk % 60),
            ),
        )
    )
    Diagnosis.objects.bulk_create(Diagnosis(visit=v, code=f"I1{v.pk % 5}", rank="primary") for v in visits)
    ChronicCondition.objects.bulk_create(ChronicCondition(patient=p, name=f"Condition {p.pk % 7}") for p in patients)
    now = timezone.now()
    Referral.objects.bulk_create(
        Referral(patient=p, referral_type="external", external_provider="Hospital", reason="x", urgency="routine")
        for p in patients
    )
    Referral.objects.update(created_at=now - timedelta(days=3))
    return visits


EXPECTED_QUERIES = {
    "visits": 1,
    "visits-by-place": 1,
    "stage-waiting-times": 1,
    "top-diagnoses": 1,
    "chronic-conditions": 2,
    "referrals-open": 1,
    "referral-outcomes": 1,
}


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize("slug", CLINICAL_SLUGS)
def test_clinical_report_queries_do_not_grow_with_the_data(django_assert_num_queries, n, slug):
    bulk_visits(n)
    filters = ReportFilters.from_query({"date_from": "2026-11-01", "date_to": "2026-11-30"})
    with django_assert_num_queries(EXPECTED_QUERIES[slug]):
        result = REGISTRY[slug].rows(filters)
    assert result
