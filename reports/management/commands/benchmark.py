"""Time the main API lists, the dashboard and every report on a realistic data set.

Builds the data inside one transaction (20 000 patients, 50 000 visits with their stage
changes and diagnoses, referrals, routes with appointments, a store and vans with batches,
a year of stock movements, equipment), requests each endpoint through Django's test client
as an administrator, counting queries, then rolls everything back: nothing is left behind.

    python manage.py benchmark                 # the full data set (a few minutes)
    python manage.py benchmark --scale 0.1     # a tenth of it, for a quick look
"""

import random
import statistics
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
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
from inventory.choices import AssetStatus, LocationKind, MovementKind
from inventory.models import (
    Asset,
    AssetCategory,
    AssetStatusChange,
    Batch,
    Item,
    StockLevel,
    StockLocation,
    StockMovement,
)
from polmed.choices import Province
from reports.framework import LOCAL_TZ, REGISTRY, local_today
from scheduling.choices import AppointmentStatus, LocationType, RouteStatus
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, Route, RouteStop

FIRST_NAMES = ["Thabo", "Lerato", "Sipho", "Nomsa", "Pieter", "Ayesha", "Johan", "Zanele", "Mandla", "Precious"]
LAST_NAMES = [
    "Mokoena",
    "Dlamini",
    "Ndlovu",
    "Khumalo",
    "Botha",
    "Patel",
    "Naidoo",
    "van der Merwe",
    "Nkosi",
    "Mthembu",
]
CONDITIONS = ["Hypertension", "Type 2 diabetes", "Asthma", "HIV", "Epilepsy", "Hypercholesterolaemia"]
ICD10 = [
    ("I10", "Essential (primary) hypertension"),
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("J06.9", "Acute upper respiratory infection, unspecified"),
    ("M54.5", "Low back pain"),
    ("K30", "Functional dyspepsia"),
    ("J45.9", "Asthma, unspecified"),
    ("B20", "HIV disease"),
    ("Z00.0", "General medical examination"),
]
BATCH = 2000


class Rollback(Exception):
    """Raised at the end to undo everything the benchmark wrote."""


class Command(BaseCommand):
    help = "Time the main API lists, the dashboard and the reports on a realistic data set, then roll it back."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the full data set (default 1).")
        parser.add_argument("--repeat", type=int, default=5, help="Timed requests per endpoint (default 5).")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale, repeat, seed, **options):
        if scale <= 0 or repeat < 1:
            raise CommandError("--scale must be above 0 and --repeat at least 1.")
        self.random = random.Random(seed)
        counts = {
            "patients": int(20000 * scale),
            "visits": int(50000 * scale),
            "appointments": int(20000 * scale),
            "referrals": int(5000 * scale),
            "movements": int(50000 * scale),
        }
        results = []
        try:
            with transaction.atomic():
                started = time.perf_counter()
                built = self.build(counts)
                self.stdout.write(f"Built the data set in {time.perf_counter() - started:.1f} s: {built}")
                results = self.measure(repeat)
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(f"Database: {connection.vendor}; data rolled back.")
        self.print_table(results)

    # --- data -----------------------------------------------------------------------------

    def build(self, counts) -> dict:
        rnd, today, now = self.random, local_today(), timezone.now()
        admin = User.objects.create_user("benchmark-admin@bench.polmed.co.za", password=None)
        admin.set_role(Role.ADMINISTRATOR)
        self.admin = admin

        provinces = list(Province.values)
        places = Location.objects.bulk_create(
            Location(name=f"Bench {t} {p} {i}", location_type=t, province=p)
            for p in provinces
            for t in LocationType.values
            for i in range(2)
        )
        by_province = {p: [loc for loc in places if loc.province == p] for p in provinces}
        store = StockLocation.objects.create(
            name="Bench central store", code="BENCH-STORE", kind=LocationKind.CENTRAL_STORE
        )
        vans = StockLocation.objects.bulk_create(
            StockLocation(name=f"Bench van {i}", code=f"BENCH-VAN-{i:02d}", kind=LocationKind.MOBILE_UNIT)
            for i in range(12)
        )
        units = MobileUnit.objects.bulk_create(
            MobileUnit(name=f"Bench unit {i}", registration_number=f"BENCH {i:03d} GP", stock_location=van)
            for i, van in enumerate(vans)
        )
        routes = Route.objects.bulk_create(
            Route(
                route_name=f"Bench route {i}",
                province=provinces[i % len(provinces)],
                start_date=today - timedelta(days=365),
                end_date=today + timedelta(days=60),
                start_time=datetime.strptime("08:00", "%H:%M").time(),
                end_time=datetime.strptime("16:00", "%H:%M").time(),
                status=RouteStatus.ACTIVE,
                mobile_unit=units[i % len(units)],
            )
            for i in range(24)
        )

        stops = RouteStop.objects.bulk_create(
            RouteStop(
                route=route,
                location=rnd.choice(by_province[route.province]),
                date=today + timedelta(days=offset),
                start_time=route.start_time,
                end_time=route.end_time,
                max_appointments=40,
            )
            for route in routes
            for offset in range(-90, 61, 3)
        )
        slot_times = [datetime.strptime(f"{h:02d}:00", "%H:%M").time() for h in range(8, 16)]
        slots = AppointmentSlot.objects.bulk_create(
            (
                AppointmentSlot(
                    stop=stop,
                    start_time=t,
                    end_time=t.replace(minute=15),
                    capacity=10,
                    booked_count=0,
                )
                for stop in stops
                for t in slot_times
            ),
            batch_size=BATCH,
        )
        appointments, booked = [], {}
        for n in range(counts["appointments"]):
            slot = rnd.choice(slots)
            if booked.get(slot.pk, 0) >= slot.capacity:
                continue
            booked[slot.pk] = booked.get(slot.pk, 0) + 1
            past = slot.stop.date < today
            status = rnd.choice(
                [AppointmentStatus.CHECKED_IN] * 7 + [AppointmentStatus.NO_SHOW] * 2 + [AppointmentStatus.CANCELLED]
                if past
                else [AppointmentStatus.BOOKED] * 9 + [AppointmentStatus.CANCELLED]
            )
            appointments.append(
                Appointment(
                    slot=slot,
                    reference=f"B{n:07d}",
                    first_name=rnd.choice(FIRST_NAMES),
                    last_name=rnd.choice(LAST_NAMES),
                    phone=f"+2782{n:07d}",
                    status=status,
                )
            )
        Appointment.objects.bulk_create(appointments, batch_size=BATCH)
        for slot in slots:
            slot.booked_count = booked.get(slot.pk, 0)
        AppointmentSlot.objects.bulk_update([s for s in slots if s.booked_count], ["booked_count"], batch_size=BATCH)

        patients = Patient.objects.bulk_create(
            (
                Patient(
                    first_name=rnd.choice(FIRST_NAMES),
                    last_name=rnd.choice(LAST_NAMES),
                    date_of_birth=date(1950, 1, 1) + timedelta(days=rnd.randrange(25000)),
                    gender=rnd.choice(["Male", "Female"]),
                    phone_number=f"+2783{n:07d}",
                    province=rnd.choice(provinces),
                    medical_aid_number=f"BENCH{n:08d}",
                    is_palmed_member=rnd.random() < 0.7,
                )
                for n in range(counts["patients"])
            ),
            batch_size=BATCH,
        )
        patients = list(Patient.objects.filter(medical_aid_number__startswith="BENCH").only("pk"))
        ChronicCondition.objects.bulk_create(
            (ChronicCondition(patient=p, name=rnd.choice(CONDITIONS)) for p in patients if rnd.random() < 0.3),
            batch_size=BATCH,
        )

        visits = []
        for _ in range(counts["visits"]):
            route = rnd.choice(routes)
            day = today - timedelta(days=rnd.randrange(365))
            visits.append(
                Visit(
                    patient=rnd.choice(patients),
                    visit_date=day,
                    visit_type=rnd.choice(VisitType.values),
                    route=route,
                    location=rnd.choice(by_province[route.province]),
                    stage=VisitStage.CLOSURE,
                    stage_entered_at=now,
                )
            )
        Visit.objects.bulk_create(visits, batch_size=BATCH)
        visits = list(Visit.objects.filter(route__in=routes).only("pk", "visit_date"))
        changes, closings = [], []
        path = [VisitStage.REGISTRATION, VisitStage.ASSESSMENT, VisitStage.CONSULTATION, VisitStage.CLOSURE]
        for visit in visits:
            at = datetime.combine(visit.visit_date, datetime.min.time(), tzinfo=LOCAL_TZ) + timedelta(
                hours=8, minutes=rnd.randrange(480)
            )
            previous = ""
            for stage in path:
                changes.append(VisitStageChange(visit=visit, from_stage=previous, to_stage=stage, changed_at=at))
                previous, at = stage, at + timedelta(minutes=rnd.randrange(5, 60))
            closings.append((visit.pk, at))
        VisitStageChange.objects.bulk_create(changes, batch_size=BATCH)
        for visit, (_, closed_at) in zip(visits, closings, strict=True):
            visit.closed_at = closed_at
        Visit.objects.bulk_update(visits, ["closed_at"], batch_size=BATCH)
        Diagnosis.objects.bulk_create(
            (Diagnosis(visit=v, code=c, description=d) for v in visits for c, d in [rnd.choice(ICD10)]),
            batch_size=BATCH,
        )

        referrals = Referral.objects.bulk_create(
            (
                Referral(
                    patient=rnd.choice(patients),
                    visit=rnd.choice(visits),
                    referral_type="external",
                    external_provider="Bench Regional Hospital",
                    reason="Further investigation",
                    urgency=rnd.choice(Urgency.values),
                    status=rnd.choice(ReferralStatus.values),
                    appointment_date=today - timedelta(days=rnd.randrange(200)),
                )
                for _ in range(counts["referrals"])
            ),
            batch_size=BATCH,
        )
        referrals = list(Referral.objects.filter(external_provider="Bench Regional Hospital"))
        ReferralStatusChange.objects.bulk_create(
            (
                ReferralStatusChange(
                    referral=r, from_status=ReferralStatus.APPOINTMENT_BOOKED, to_status=r.status, changed_at=now
                )
                for r in referrals
                if r.status == ReferralStatus.ATTENDED
            ),
            batch_size=BATCH,
        )
        for r in referrals:
            r.created_at = now - timedelta(days=rnd.randrange(1, 300))
        Referral.objects.bulk_update(referrals, ["created_at"], batch_size=BATCH)

        items = Item.objects.bulk_create(Item(name=f"Bench medicine {i}", unit_of_issue="tablet") for i in range(150))
        locations = [store, *vans]
        StockLevel.objects.bulk_create(
            StockLevel(item=item, location=loc, reorder_level=rnd.randrange(0, 200), reorder_quantity=100)
            for item in items
            for loc in locations
        )
        batches = Batch.objects.bulk_create(
            (
                Batch(
                    item=item,
                    location=loc,
                    batch_number=f"BL{n}",
                    expiry_date=today + timedelta(days=rnd.randrange(-30, 700)),
                    quantity_received=500,
                    quantity=rnd.randrange(0, 500),
                    unit_cost=Decimal(rnd.randrange(10, 5000)) / 100,
                )
                for n, (item, loc) in enumerate((item, loc) for item in items for loc in locations for _ in range(2))
            ),
            batch_size=BATCH,
        )
        StockMovement.objects.bulk_create(
            (
                StockMovement(
                    batch=b,
                    item_id=b.item_id,
                    location_id=b.location_id,
                    kind=MovementKind.DISPENSE if rnd.random() < 0.95 else MovementKind.EXPIRY_WRITE_OFF,
                    quantity=-rnd.randrange(1, 30),
                    unit_cost=b.unit_cost,
                    balance_after=0,
                    created_by=admin,
                    created_at=now - timedelta(minutes=rnd.randrange(365 * 24 * 60)),
                )
                for b in (rnd.choice(batches) for _ in range(counts["movements"]))
            ),
            batch_size=BATCH,
        )
        category = AssetCategory.objects.create(name="Bench diagnostic equipment")
        assets = Asset.objects.bulk_create(
            Asset(
                asset_tag=f"BENCH-{i:04d}",
                asset_name="BP monitor",
                category=category,
                location=rnd.choice(locations),
                purchase_cost=Decimal(rnd.randrange(1000, 50000)),
                purchase_date=today - timedelta(days=rnd.randrange(2000)),
                status=rnd.choice([AssetStatus.OPERATIONAL] * 8 + [AssetStatus.IN_REPAIR]),
                next_maintenance_due=today + timedelta(days=rnd.randrange(-30, 120)),
            )
            for i in range(300)
        )
        AssetStatusChange.objects.bulk_create(
            AssetStatusChange(
                asset=a,
                from_status=AssetStatus.OPERATIONAL,
                to_status=AssetStatus.IN_REPAIR,
                changed_at=now - timedelta(days=rnd.randrange(1, 60)),
            )
            for a in assets
            if a.status == AssetStatus.IN_REPAIR
        )
        return {
            "patients": len(patients),
            "visits": len(visits),
            "stage changes": len(changes),
            "appointments": len(appointments),
            "referrals": len(referrals),
            "batches": len(batches),
            "movements": counts["movements"],
            "assets": len(assets),
        }

    # --- timing ---------------------------------------------------------------------------

    def endpoints(self) -> list[tuple[str, str]]:
        today = local_today()
        quarter = f"date_from={today - timedelta(days=89)}&date_to={today}"
        lists = [
            ("Patients, page 1", "/api/patients?per_page=50"),
            ("Patients, search", "/api/patients?search=Mok&per_page=50"),
            ("Visits today (queue)", f"/api/visits?date={today}&per_page=50"),
            ("Open referrals", "/api/referrals?status=pending&per_page=50"),
            ("Available appointments", "/api/appointments/available?province=Gauteng&per_page=50"),
            ("Routes", "/api/routes?per_page=50"),
            ("Assets", "/api/inventory/assets?per_page=50"),
            ("Expiry alerts (90 days)", "/api/inventory/alerts/expiry?days_ahead=90&per_page=50"),
            ("Dashboard stats", "/api/dashboard/stats"),
            ("Dashboard stats, one province", "/api/dashboard/stats?province=Gauteng"),
            ("Dashboard page", "/"),
        ]
        reports = [(f"Report {slug} (90 days)", f"/api/reports/{slug}?{quarter}") for slug in REGISTRY]
        reports += [
            (
                "Report visits, by month, 1 year",
                f"/api/reports/visits?group_by=month&date_from={today - timedelta(days=364)}",
            )
        ]
        return lists + reports

    def measure(self, repeat: int) -> list[dict]:
        client = Client()
        client.force_login(self.admin)
        results = []
        for name, url in self.endpoints():
            client.get(url)  # warm caches and connections
            timings, queries, status = [], 0, None
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                queries, status = len(captured), response.status_code
            results.append(
                {
                    "name": name,
                    "status": status,
                    "queries": queries,
                    "median": statistics.median(timings),
                    "max": max(timings),
                }
            )
            self.stdout.write(f"  {name}: {status}, {queries} queries, {statistics.median(timings):.0f} ms")
        return results

    def print_table(self, results):
        self.stdout.write("")
        self.stdout.write("| Endpoint | Status | Queries | Median ms | Max ms |")
        self.stdout.write("|---|---:|---:|---:|---:|")
        for r in results:
            self.stdout.write(f"| {r['name']} | {r['status']} | {r['queries']} | {r['median']:.0f} | {r['max']:.0f} |")
