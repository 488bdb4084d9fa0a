"""Demo clinical data: a few hundred patients (a "John" or two among them), today's visits in
every stage on the routes' clinic days, vital signs, notes, diagnoses, prescriptions, medicines
dispensed from the vans, and referrals in every status.

Idempotent: patients are found by SA ID or passport number; today's visits, the history and
the referrals are added only when the demo has not added them already.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone
from stdnum import luhn

from accounts.demo import DEMO_DOMAIN
from accounts.models import User
from clinical import services
from clinical.allergens import atc_class_for
from clinical.choices import STAGE_ORDER, DiagnosisRank, ReferralStatus, ReferralType, Urgency, VisitStage, VisitType
from clinical.formulary import link_to_stock_items
from clinical.models import (
    Allergy,
    ChronicCondition,
    ConsultationNote,
    CounselingNote,
    CurrentMedication,
    Diagnosis,
    Medicine,
    NursingNote,
    Patient,
    Referral,
    ReferralStatusChange,
    Visit,
    VisitStageChange,
    VitalSigns,
)
from clinical.models.records import icd10_description
from inventory import services as stock
from inventory.models import Batch, Item
from polmed.choices import Province
from polmed.exceptions import ConflictError
from scheduling.models import RouteStop

PATIENT_COUNT = 300
FIRST_NAMES = {
    "Male": [
        "Sipho",
        "Thabo",
        "Bongani",
        "Pieter",
        "Mandla",
        "Kagiso",
        "Lwazi",
        "Themba",
        "Johan",
        "Ahmed",
        "Tshepo",
        "Sibusiso",
        "Musa",
        "Andile",
        "Jabulani",
    ],
    "Female": [
        "Nomsa",
        "Lerato",
        "Thandeka",
        "Ayanda",
        "Zanele",
        "Palesesa",
        "Nokuthula",
        "Precious",
        "Refilwe",
        "Fatima",
        "Anele",
        "Busisiwe",
        "Karabo",
        "Naledi",
        "Marietjie",
    ],
}
LAST_NAMES = [
    "Dlamini",
    "Nkosi",
    "Ndlovu",
    "Khumalo",
    "Mokoena",
    "Mahlangu",
    "Botha",
    "van der Merwe",
    "Naidoo",
    "Molefe",
    "Zulu",
    "Sithole",
    "Mthembu",
    "Radebe",
    "Pillay",
    "Baloyi",
    "Maluleke",
    "Petersen",
    "Jacobs",
    "Nel",
    "Mabaso",
    "Ntuli",
    "Shabalala",
    "Dube",
]
CONDITIONS = ["Hypertension", "Type 2 diabetes", "Asthma", "HIV", "Hyperlipidaemia", "Epilepsy", "Depression"]
ALLERGIES = ["Penicillin", "Sulfa drugs", "Aspirin", "Peanuts", "Codeine", "Bee stings"]
MEDICATIONS = ["Amlodipine 5mg", "Metformin 500mg", "Enalapril 10mg", "Salbutamol inhaler", "TLD", "Simvastatin 20mg"]
COMPLAINTS = [
    "Hypertension follow-up",
    "Headache for three days",
    "Diabetes review",
    "Cough and fever",
    "Lower back pain",
    "Chronic medication collection",
    "Feeling anxious, not sleeping",
    "Rash on arms",
    "Annual wellness check",
    "Chest tightness when running",
]
DIAGNOSES = [
    ("I10", "Essential (primary) hypertension"),
    ("E11.9", ""),
    ("J06.9", ""),
    ("M54.5", ""),
    ("J45.9", ""),
    ("F41.1", ""),
    ("L30.9", ""),
    ("Z00.0", ""),
    ("K29.7", ""),
]
PRESCRIBED = [
    ("Paracetamol", "500 mg", "1 g", "6-hourly when needed", "5 days", 20),
    ("Amlodipine", "5 mg", "5 mg", "once daily", "30 days", 30),
    ("Metformin", "500 mg", "500 mg", "twice daily with meals", "30 days", 60),
    ("Ibuprofen", "400 mg", "400 mg", "8-hourly after meals", "5 days", 15),
    ("Amoxicillin", "500 mg", "500 mg", "8-hourly", "5 days", 15),
    ("Cetirizine", "10 mg", "10 mg", "at night", "10 days", 10),
]
PROVIDERS = [
    ("Chris Hani Baragwanath Hospital", "Cardiology"),
    ("Groote Schuur Hospital", "Ophthalmology"),
    ("King Edward VIII Hospital", "Internal Medicine"),
    ("SASSA local office", "Social grants"),
    ("Famsa", "Family counselling"),
    ("Helen Joseph Hospital", "Orthopaedics"),
]
VISITS_PER_ROUTE_TODAY = 12
HISTORY_DAYS = 14


def seed(*, password: str, log) -> None:
    rng = random.Random(2026)
    staff = {
        name: User.objects.filter(email=f"{name}@{DEMO_DOMAIN}").first()
        for name in ("clerk", "nurse", "doctor", "socialworker")
    }
    patients = _patients(rng, staff["clerk"], log)
    _link_formulary_to_stock(staff["nurse"], log)
    today = timezone.localdate()
    stops = list(RouteStop.objects.filter(date=today, is_blocked=False).select_related("route", "location"))
    demo_visits = Visit.objects.filter(created_by=staff["clerk"], visit_date=today)
    if stops and not demo_visits.exists():
        visits, to_close = _todays_visits(rng, patients, stops, staff, today)
        _records(rng, visits, staff)
        _prescriptions_and_dispensing(rng, visits, staff, log)
        # Some of today's visits are already over: closed once their medicines were dispensed.
        for visit in to_close:
            visit.closed_at, visit.closed_by = visit.stage_entered_at + datetime.timedelta(minutes=8), staff["nurse"]
        Visit.objects.bulk_update(to_close, ["closed_at", "closed_by"])
        log(f"{len(visits)} visits today at {len(stops)} clinic days")
    if not Visit.objects.filter(created_by=staff["clerk"], visit_date__lt=today).exists():
        history = _history(rng, patients, staff, today)
        _records(rng, history, staff)
        log(f"{len(history)} closed visits over the last {HISTORY_DAYS} days")
    if not Referral.objects.filter(created_by=staff["doctor"], patient__in=patients).exists():
        log(f"{_referrals(rng, patients, staff)} referrals")


def _sa_id(rng, date_of_birth, male, index) -> str:
    base = f"{date_of_birth:%y%m%d}{(5000 if male else 0) + index % 5000:04d}08"
    return base + luhn.calc_check_digit(base)


def _patients(rng, clerk, log) -> list[Patient]:
    wanted = []
    for index in range(PATIENT_COUNT):
        gender = "Male" if index % 2 == 0 else "Female"
        first = rng.choice(FIRST_NAMES[gender])
        last = rng.choice(LAST_NAMES)
        if index in (0, 1):
            first, last, gender = ("John", "Doe", "Male") if index == 0 else ("John", "Mokoena", "Male")
        dob = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 55))
        citizen = index % 12 != 5
        member = index % 10 < 7
        wanted.append(
            Patient(
                first_name=first,
                last_name=last,
                date_of_birth=dob,
                gender=gender,
                id_number=_sa_id(rng, dob, gender == "Male", index) if citizen else None,
                passport_number="" if citizen else f"ZW{4000000 + index}",
                phone_number=f"+27{rng.choice(['82', '83', '72', '71', '61'])}{5000000 + index:07d}",
                physical_address=f"{rng.randrange(1, 400)} {rng.choice(['Church', 'Main', 'Station', 'Vilakazi'])} St",
                province=rng.choice(Province.values),
                medical_aid_number=f"PAL{700000000 + index}" if member else None,
                is_palmed_member=member,
                created_by=clerk,
            )
        )
    known = set(Patient.objects.values_list("id_number", flat=True)) | set(
        Patient.objects.exclude(passport_number="").values_list("passport_number", flat=True)
    )
    new = [p for p in wanted if (p.id_number or p.passport_number) not in known]
    Patient.objects.bulk_create(new, batch_size=500)
    created = list(Patient.objects.filter(pk__in=[p.pk for p in new])) if new and new[0].pk else []
    conditions, allergies, medications = [], [], []
    for patient in created:
        for name in rng.sample(CONDITIONS, k=rng.choice([0, 0, 1, 1, 2])):
            conditions.append(ChronicCondition(patient=patient, name=name))
        for name in rng.sample(ALLERGIES, k=rng.choice([0, 0, 0, 1])):
            allergies.append(Allergy(patient=patient, substance=name, atc_class=atc_class_for(name)))
        for name in rng.sample(MEDICATIONS, k=rng.choice([0, 1, 2])):
            medications.append(CurrentMedication(patient=patient, name=name))
    ChronicCondition.objects.bulk_create(conditions)
    Allergy.objects.bulk_create(allergies)
    CurrentMedication.objects.bulk_create(medications)
    log(f"{len(new)} patients added")
    ids = [p.id_number for p in wanted if p.id_number]
    passports = [p.passport_number for p in wanted if p.passport_number]
    return list(Patient.objects.filter(id_number__in=ids)) + list(Patient.objects.filter(passport_number__in=passports))


def _link_formulary_to_stock(nurse, log) -> None:
    """Dispensing needs each prescribed medicine linked to a stock item, with stock in the vans."""
    log(f"{link_to_stock_items(Medicine, Item)} formulary entries linked to stock items")
    vans = [
        stop.route.mobile_unit.stock_location
        for stop in RouteStop.objects.filter(
            date=timezone.localdate(), route__mobile_unit__isnull=False
        ).select_related("route__mobile_unit__stock_location")
    ]
    for name, strength, *_ in PRESCRIBED:
        medicine = Medicine.objects.filter(name=name, strength=strength).first()
        if medicine is None:
            continue
        if medicine.inventory_item is None:
            medicine.inventory_item = Item.objects.get_or_create(
                name=str(medicine), defaults={"unit_of_issue": medicine.form}
            )[0]
            medicine.save(update_fields=["inventory_item"])
        for location in vans:
            if stock.available_quantity(item=medicine.inventory_item, location=location) >= 200:
                continue
            batch_number = f"DEMO-{medicine.atc_code}"
            if not Batch.objects.filter(
                item=medicine.inventory_item, location=location, batch_number=batch_number
            ).exists():
                stock.receive(
                    item=medicine.inventory_item,
                    location=location,
                    batch_number=batch_number,
                    expiry_date=timezone.localdate() + datetime.timedelta(days=400),
                    quantity=500,
                    unit_cost=Decimal("1.20"),
                    by=nurse,
                )


def _stage_trail(visit, stage_index, start, staff, closed):
    """The stage changes that bring a visit to `stage_index`, 10-25 minutes apart."""
    movers = [staff["clerk"], staff["nurse"], staff["doctor"], staff["socialworker"]]
    changes = [
        VisitStageChange(
            visit=visit, from_stage="", to_stage=STAGE_ORDER[0], changed_by=staff["clerk"], changed_at=start
        )
    ]
    when = start
    for index in range(1, stage_index + 1):
        when = when + datetime.timedelta(minutes=10 + (visit.pk * 7 + index * 3) % 16)
        changes.append(
            VisitStageChange(
                visit=visit,
                from_stage=STAGE_ORDER[index - 1],
                to_stage=STAGE_ORDER[index],
                changed_by=movers[index - 1],
                changed_at=when,
            )
        )
    return changes, when


def _new_visits(rng, rows, staff):
    """rows: (patient, day, stop, stage_index, start, closed) -> saved visits with their trails."""
    visits = [
        Visit(
            patient=patient,
            visit_date=day,
            visit_time=timezone.localtime(start).time().replace(second=0, microsecond=0),
            visit_type=rng.choice(VisitType.values),
            chief_complaint=rng.choice(COMPLAINTS),
            route=stop.route if stop else None,
            location=stop.location if stop else None,
            stage=STAGE_ORDER[stage_index],
            stage_entered_at=start,
            created_by=staff["clerk"],
        )
        for patient, day, stop, stage_index, start, closed in rows
    ]
    Visit.objects.bulk_create(visits)
    changes = []
    for visit, (_p, _d, _s, stage_index, start, closed) in zip(visits, rows, strict=True):
        trail, entered = _stage_trail(visit, stage_index, start, staff, closed)
        changes += trail
        visit.stage_entered_at = entered
        if closed:
            visit.closed_at, visit.closed_by = entered + datetime.timedelta(minutes=8), staff["nurse"]
    VisitStageChange.objects.bulk_create(changes)
    Visit.objects.bulk_update(visits, ["stage_entered_at", "closed_at", "closed_by"])
    return visits


def _todays_visits(rng, patients, stops, staff, today):
    now = timezone.now()
    opening = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    rows = []
    chosen = rng.sample(patients, k=min(len(patients), VISITS_PER_ROUTE_TODAY * len(stops)))
    for index, patient in enumerate(chosen):
        stop = stops[index % len(stops)]
        stage_index = index % 6  # 0-4 the five stages; 5 = closed at closure
        latest = max(opening, now - datetime.timedelta(hours=3))
        start = min(
            latest + datetime.timedelta(minutes=5 * (index // len(stops))),
            now - datetime.timedelta(minutes=15 * min(stage_index, 4) + 5),
        )
        rows.append((patient, today, stop, min(stage_index, 4), start, False))
    visits = _new_visits(rng, rows, staff)
    return visits, [visit for index, visit in enumerate(visits) if index % 6 == 5]


def _history(rng, patients, staff, today):
    stops = {
        (s.date, s.route_id): s
        for s in RouteStop.objects.filter(
            date__gte=today - datetime.timedelta(days=HISTORY_DAYS), date__lt=today, is_blocked=False
        ).select_related("route", "location")
    }
    rows = []
    for (day, _route), stop in sorted(stops.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        for _ in range(rng.randrange(3, 7)):
            start = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(8 + rng.randrange(0, 6), rng.choice([0, 15, 30, 45])))
            )
            rows.append((rng.choice(patients), day, stop, 4, start, True))
    return _new_visits(rng, rows, staff)


def _records(rng, visits, staff):
    vitals, nursing, soap, counseling, diagnoses = [], [], [], [], []
    for visit in visits:
        stage = STAGE_ORDER.index(visit.stage)
        at = visit.stage_entered_at
        if stage >= 1:
            systolic = rng.randrange(105, 175)
            vitals.append(
                VitalSigns(
                    visit=visit,
                    recorded_by=staff["nurse"],
                    recorded_at=at,
                    systolic_bp=systolic,
                    diastolic_bp=systolic - rng.randrange(35, 60),
                    heart_rate=rng.randrange(58, 108),
                    temperature=Decimal(rng.choice(["36.4", "36.8", "37.1", "38.4"])),
                    weight=Decimal(rng.randrange(480, 1150)) / 10,
                    height=Decimal(rng.randrange(150, 192)),
                    oxygen_saturation=rng.choice([99, 98, 97, 95, 92]),
                    blood_glucose=Decimal(rng.choice([86, 102, 120, 145, 215])),
                    nursing_notes="Vitals taken at triage.",
                )
            )
            nursing.append(
                NursingNote(
                    visit=visit,
                    recorded_by=staff["nurse"],
                    recorded_at=at,
                    text=rng.choice(
                        ["Triage: green.", "Triage: yellow, BP repeated.", "Patient comfortable, awaiting doctor."]
                    ),
                )
            )
        if stage >= 2:
            code, _ = rng.choice(DIAGNOSES)
            soap.append(
                ConsultationNote(
                    visit=visit,
                    recorded_by=staff["doctor"],
                    recorded_at=at,
                    subjective=visit.chief_complaint,
                    objective="See vital signs.",
                    assessment=f"ICD-10 {code}",
                    plan="Treatment as prescribed; review in 1 month.",
                )
            )
            diagnoses.append(
                Diagnosis(
                    visit=visit,
                    recorded_by=staff["doctor"],
                    recorded_at=at,
                    code=code,
                    description=_icd_description(code),
                    rank=DiagnosisRank.PRIMARY,
                )
            )
        if stage >= 3 and visit.pk % 3 == 0:
            counseling.append(
                CounselingNote(
                    visit=visit,
                    recorded_by=staff["socialworker"],
                    recorded_at=at,
                    text="Discussed stressors at work; offered follow-up session.",
                )
            )
    VitalSigns.objects.bulk_create(vitals)
    NursingNote.objects.bulk_create(nursing)
    ConsultationNote.objects.bulk_create(soap)
    CounselingNote.objects.bulk_create(counseling)
    Diagnosis.objects.bulk_create(diagnoses)


def _icd_description(code: str) -> str:
    return icd10_description(code)


def _prescriptions_and_dispensing(rng, visits, staff, log):
    prescribed = dispensed = 0
    medicines = {(n, s): Medicine.objects.filter(name=n, strength=s).first() for n, s, *_ in PRESCRIBED}
    for visit in visits:
        if STAGE_ORDER.index(visit.stage) < 2:
            continue
        name, strength, dose, frequency, duration, quantity = rng.choice(PRESCRIBED)
        medicine = medicines[(name, strength)]
        if medicine is None:
            continue
        try:
            prescription = services.prescribe(
                visit=visit,
                by=staff["doctor"],
                items=[
                    {
                        "medicine": medicine,
                        "dose": dose,
                        "frequency": frequency,
                        "duration": duration,
                        "quantity": quantity,
                    }
                ],
            )
        except ConflictError:
            continue  # the patient is allergic to this class, and the demo doctor does not override
        prescribed += 1
        if visit.stage == VisitStage.CLOSURE:
            services.dispense(prescription_item=prescription.items.get(), by=staff["nurse"])
            dispensed += 1
    log(f"{prescribed} prescriptions, {dispensed} dispensed")


def _referrals(rng, patients, staff) -> int:
    trail = [ReferralStatus.PENDING, ReferralStatus.SENT, ReferralStatus.APPOINTMENT_BOOKED, ReferralStatus.ATTENDED]
    endings = {
        ReferralStatus.PENDING: trail[:1],
        ReferralStatus.SENT: trail[:2],
        ReferralStatus.APPOINTMENT_BOOKED: trail[:3],
        ReferralStatus.ATTENDED: trail,
        ReferralStatus.CANCELLED: [*trail[:2], ReferralStatus.CANCELLED],
        ReferralStatus.NO_SHOW: [*trail[:3], ReferralStatus.NO_SHOW],
    }
    referrals, paths = [], []
    today = timezone.localdate()
    for index in range(30):
        status = list(endings)[index % len(endings)]
        provider, department = rng.choice(PROVIDERS)
        external = index % 4 != 0
        referrals.append(
            Referral(
                patient=rng.choice(patients),
                referral_type=ReferralType.EXTERNAL if external else ReferralType.INTERNAL,
                from_stage="Doctor Consultation",
                external_provider=provider if external else "",
                department=department if external else "Social work",
                reason=rng.choice(COMPLAINTS),
                urgency=rng.choice(Urgency.values),
                status=status,
                created_by=staff["doctor"],
                appointment_date=today + datetime.timedelta(days=rng.randrange(-10, 20))
                if status not in (ReferralStatus.PENDING, ReferralStatus.SENT)
                else None,
                feedback="Seen; management plan sent back." if status == ReferralStatus.ATTENDED else "",
                feedback_at=timezone.now() if status == ReferralStatus.ATTENDED else None,
            )
        )
        paths.append(endings[status])
    Referral.objects.bulk_create(referrals)
    changes = []
    for referral, path in zip(referrals, paths, strict=True):
        previous = ""
        for step, status in enumerate(path):
            changes.append(
                ReferralStatusChange(
                    referral=referral,
                    from_status=previous,
                    to_status=status,
                    changed_by=staff["doctor"] if step == 0 else staff["socialworker"],
                    changed_at=timezone.now() - datetime.timedelta(days=len(path) - step),
                )
            )
            previous = status
    ReferralStatusChange.objects.bulk_create(changes)
    return len(referrals)
