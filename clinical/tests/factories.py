import datetime

import factory
from stdnum import luhn

from clinical.choices import Gender, ReferralType, VisitStage, VisitType
from clinical.formulary import load_formulary
from clinical.models import Medicine, Patient, Referral, Visit


def sa_id_number(date_of_birth: datetime.date, *, male: bool, sequence: int = 0, citizen: bool = True) -> str:
    """A valid SA ID number for this birth date and gender (Luhn check digit included)."""
    gender_digits = (5000 if male else 0) + sequence % 5000
    base = f"{date_of_birth:%y%m%d}{gender_digits:04d}{0 if citizen else 1}8"
    return base + luhn.calc_check_digit(base)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Sequence(lambda n: f"Thabo{n}")
    last_name = factory.Sequence(lambda n: f"Mokoena{n}")
    date_of_birth = datetime.date(1985, 3, 14)
    gender = Gender.MALE
    id_number = factory.LazyAttributeSequence(
        lambda o, n: sa_id_number(o.date_of_birth, male=o.gender == Gender.MALE, sequence=n)
    )
    phone_number = factory.Sequence(lambda n: f"+2782{n:07d}")
    medical_aid_number = factory.Sequence(lambda n: f"PAL{n:09d}")
    is_palmed_member = True
    province = "Gauteng"


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    patient = factory.SubFactory(PatientFactory)
    visit_type = VisitType.WALK_IN
    stage = VisitStage.REGISTRATION
    chief_complaint = "Headache"


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    patient = factory.SubFactory(PatientFactory)
    referral_type = ReferralType.EXTERNAL
    external_provider = "Chris Hani Baragwanath Hospital"
    department = "Cardiology"
    reason = "Cardiac evaluation"


def medicine(name: str, strength: str | None = None) -> Medicine:
    """A formulary entry shipped with the app (loaded by migration; reloaded here after a
    transactional test has flushed the tables)."""
    if not Medicine.objects.exists():
        load_formulary(Medicine)
    qs = Medicine.objects.filter(name=name)
    if strength:
        qs = qs.filter(strength=strength)
    return qs.first()


def van_route(*, name: str = "VAN-01"):
    """A route served by a van whose stock location holds the medicines it dispenses."""
    from inventory.models import StockLocation
    from scheduling.models import MobileUnit, Route

    stock_location = StockLocation.objects.create(name=f"Mobile Clinic {name}", code=name)
    unit = MobileUnit.objects.create(
        name=f"Van {name}", registration_number=f"CA {name}", stock_location=stock_location
    )
    return Route.objects.create(
        route_name=f"Route {name}",
        province="Western Cape",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        start_time=datetime.time(8),
        end_time=datetime.time(16),
        mobile_unit=unit,
    )


def stock_medicine(formulary_entry: Medicine, *, location, quantity: int, by, batch_number: str = "LOT1", days=365):
    """Link a formulary entry to a stock item and receive `quantity` of it at `location`."""
    from django.utils import timezone

    from inventory import services as stock
    from inventory.models import Item

    item = formulary_entry.inventory_item or Item.objects.create(name=str(formulary_entry))
    if formulary_entry.inventory_item_id is None:
        formulary_entry.inventory_item = item
        formulary_entry.save(update_fields=["inventory_item"])
    stock.receive(
        item=item,
        location=location,
        batch_number=batch_number,
        expiry_date=timezone.localdate() + datetime.timedelta(days=days),
        quantity=quantity,
        unit_cost=1,
        by=by,
    )
    return item
