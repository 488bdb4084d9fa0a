"""The filters and searches staff use all day are answered from an index, not a table scan.

Each test builds a few hundred rows, takes the queryset the API builds and reads the
database's own plan for it, with the statistics the database keeps by itself (nobody runs
ANALYZE on a clinic's database; on MariaDB it would also commit the test's transaction).
On SQLite the driving table is never `SCAN`ned; on MariaDB its access type is not `ALL`
and a key is used.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from clinical.choices import OPEN_REFERRAL_STATUSES, ReferralStatus, ReferralType, VisitStage
from clinical.models import Patient, Referral, Visit
from inventory.choices import AssetStatus, MovementKind
from inventory.models import Asset, Batch, StockMovement
from inventory.tests.factories import ItemFactory, StockLocationFactory
from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment, AppointmentSlot, RouteStop
from scheduling.tests.factories import LocationFactory, RouteFactory

pytestmark = pytest.mark.django_db

ROWS = 300


def plan_of(queryset) -> list[dict]:
    """The database's plan for the queryset, one entry per table access."""
    if connection.vendor == "sqlite":
        return [{"detail": line} for line in queryset.explain().splitlines()]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def assert_uses_index(queryset, model, *, index: str | None = None):
    """The plan reaches `model`'s table through an index (the named one, when given)."""
    table = model._meta.db_table
    plan = plan_of(queryset)
    shown = "\n".join(str(step) for step in plan)
    if connection.vendor == "sqlite":
        details = [step["detail"] for step in plan]
        assert not [d for d in details if re.search(rf"\bSCAN {table}\b", d)], shown
        searches = [d for d in details if re.search(rf"\bSEARCH {table}\b.*\bUSING (COVERING )?INDEX\b", d)]
        assert searches, shown
        if index:
            assert any(index in d for d in searches), shown
    else:
        steps = [step for step in plan if step["table"] == table]
        assert steps, shown
        for step in steps:
            assert step["type"] != "ALL", shown
            assert step["key"] is not None, shown
        if index:
            assert any(index in step["key"] for step in steps), shown


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(email="indexes@demo.polmed.co.za", password="x-Long-pass-1")


# --- clinical -----------------------------------------------------------------------------------


@pytest.fixture
def patients(db):
    Patient.objects.bulk_create(
        Patient(
            first_name=f"Lerato{n}",
            last_name=f"Dlamini{n:04d}",
            date_of_birth=datetime.date(1980, 1, 1),
            gender="female",
            id_number=f"80010100{n:04d}8"[:13],
            medical_aid_number=f"PAL{n:09d}",
            phone_number=f"+2782{n:07d}",
        )
        for n in range(ROWS)
    )


@pytest.mark.parametrize(
    "term",
    [
        "Dlamini0042",
        "lerato42 dlamini",
        "8001010000428",
        "PAL000000042",
        "pal 000000042",
        "082 000 0042",
        "+27820000042",
    ],
    ids=[
        "last-name-prefix",
        "first-and-last-name",
        "sa-id",
        "medical-aid",
        "medical-aid-typed",
        "phone-typed",
        "phone-e164",
    ],
)
def test_patient_search_reaches_each_branch_through_an_index(patients, term):
    queryset = Patient.objects.search(term)
    assert queryset.exists()
    assert_uses_index(queryset, Patient)


def test_the_days_visit_queue_uses_an_index(patients, staff_user):
    location = LocationFactory()
    other = LocationFactory()
    today = timezone.localdate()
    people = list(Patient.objects.all())
    Visit.objects.bulk_create(
        Visit(
            patient=people[n],
            visit_date=today - datetime.timedelta(days=n % 30),
            location=location if n % 2 else other,
            stage=VisitStage.values[n % len(VisitStage.values)],
        )
        for n in range(ROWS)
    )
    queryset = Visit.objects.queue(day=today, stage=VisitStage.ASSESSMENT, location=location)
    assert_uses_index(queryset, Visit)


def test_open_referrals_by_status_use_an_index(patients):
    people = list(Patient.objects.all())
    closed = [s for s in ReferralStatus.values if s not in OPEN_REFERRAL_STATUSES]
    Referral.objects.bulk_create(
        Referral(
            patient=people[n],
            referral_type=ReferralType.EXTERNAL,
            external_provider="Chris Hani Baragwanath Hospital",
            reason="Cardiac evaluation",
            status=closed[n % len(closed)] if n % 20 else ReferralStatus.PENDING,
        )
        for n in range(ROWS)
    )
    assert_uses_index(Referral.objects.still_open(), Referral)
    assert_uses_index(Referral.objects.filter(status=ReferralStatus.PENDING), Referral)


def test_referrals_made_in_a_period_use_the_created_at_index(patients):
    people = list(Patient.objects.all())
    now = timezone.now()
    Referral.objects.bulk_create(
        Referral(patient=people[n], referral_type=ReferralType.EXTERNAL, external_provider="Hospital", reason="Review")
        for n in range(ROWS)
    )
    for n, pk in enumerate(Referral.objects.values_list("pk", flat=True)):
        Referral.objects.filter(pk=pk).update(created_at=now - datetime.timedelta(days=n))
    queryset = Referral.objects.filter(created_at__gte=now - datetime.timedelta(days=7), created_at__lt=now)
    assert queryset.count() == 7
    assert_uses_index(queryset, Referral, index="referral_created_idx")


# --- inventory ----------------------------------------------------------------------------------


@pytest.fixture
def batches(db):
    locations = [StockLocationFactory() for _ in range(5)]
    items = [ItemFactory() for _ in range(10)]
    today = timezone.localdate()
    Batch.objects.bulk_create(
        Batch(
            item=items[n % 10],
            location=locations[n % 5],
            batch_number=f"LOT{n:05d}",
            expiry_date=today + datetime.timedelta(days=n * 3),
            quantity=10 + n,
            quantity_received=10 + n,
            unit_cost=Decimal("1.50"),
        )
        for n in range(ROWS)
    )
    return locations


def test_batches_expiring_at_a_location_use_an_index(batches):
    queryset = Batch.objects.expiring_within(30).filter(location=batches[0]).order_by("expiry_date", "pk")
    assert queryset.exists()
    assert_uses_index(queryset, Batch, index="batch_location_expiry_idx")


def test_the_movements_of_a_batch_use_an_index(batches, staff_user):
    batch_list = list(Batch.objects.all())
    StockMovement.objects.bulk_create(
        StockMovement(
            batch=batch,
            item_id=batch.item_id,
            location_id=batch.location_id,
            kind=MovementKind.RECEIPT,
            quantity=batch.quantity,
            balance_after=batch.quantity,
            created_by=staff_user,
        )
        for batch in batch_list
    )
    assert_uses_index(StockMovement.objects.filter(batch=batch_list[7]), StockMovement)


def test_assets_by_status_use_an_index(db):
    statuses = AssetStatus.values
    Asset.objects.bulk_create(
        Asset(
            asset_tag=f"MED-{n:04d}",
            asset_name="Blood Pressure Monitor",
            status=AssetStatus.OPERATIONAL if n % 25 else statuses[n % len(statuses)],
        )
        for n in range(ROWS)
    )
    assert_uses_index(Asset.objects.filter(status=AssetStatus.UNDER_MAINTENANCE), Asset)


# --- scheduling ---------------------------------------------------------------------------------


@pytest.fixture
def clinic_days(db):
    today = timezone.localdate()
    route = RouteFactory(end_date=today + datetime.timedelta(days=400))
    locations = [LocationFactory(province=province) for province in ("Gauteng", "Limpopo", "Western Cape")]
    stops = RouteStop.objects.bulk_create(
        RouteStop(
            route=route,
            location=locations[n % 3],
            date=today + datetime.timedelta(days=n - 20),
            start_time=datetime.time(8),
            end_time=datetime.time(17),
            max_appointments=20,
        )
        for n in range(ROWS)
    )
    AppointmentSlot.objects.bulk_create(
        AppointmentSlot(
            stop=stop, start_time=datetime.time(9 + h), end_time=datetime.time(9 + h, 30), capacity=5, booked_count=1
        )
        for stop in stops
        for h in range(2)
    )
    slots = list(AppointmentSlot.objects.order_by("pk"))
    Appointment.objects.bulk_create(
        Appointment(
            slot=slot,
            reference=f"REF{n:06d}",
            first_name="Thabo",
            last_name=f"Mokoena{n}",
            phone=f"+2782{n:07d}",
            status=AppointmentStatus.BOOKED,
        )
        for n, slot in enumerate(slots)
    )
    return today


def test_available_slots_by_province_and_dates_use_an_index(clinic_days):
    today = clinic_days
    queryset = (
        AppointmentSlot.objects.available()
        .filter(stop__date__gte=today, stop__date__lte=today + datetime.timedelta(days=14))
        .filter(stop__location__province="Limpopo")
        .select_related("stop__route", "stop__location")
        .order_by("stop__date", "start_time", "stop__location__name", "pk")
    )
    assert queryset.exists()
    assert_uses_index(queryset, RouteStop)
    assert_uses_index(queryset, AppointmentSlot)


def test_an_appointment_by_reference_uses_an_index(clinic_days):
    queryset = Appointment.objects.filter(reference="REF000042")
    assert queryset.exists()
    assert_uses_index(queryset, Appointment)
    assert_uses_index(Appointment.objects.for_reference("ref000042", "+27820000042"), Appointment)
