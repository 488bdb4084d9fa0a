import datetime

import factory
from django.db.models import F
from django.utils import timezone

from inventory.choices import LocationKind
from inventory.models import StockLocation
from polmed.choices import Province
from scheduling.choices import AppointmentStatus, BookingChannel, LocationType, RouteStatus
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, Route, RouteStop


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Test Police Station {n}")
    location_type = LocationType.POLICE_STATION
    address = "1 Main Road"
    province = Province.GAUTENG


class StockLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Test Van Store {n}")
    code = factory.Sequence(lambda n: f"TVAN-{n:03d}")
    kind = LocationKind.MOBILE_UNIT


class MobileUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MobileUnit

    name = factory.Sequence(lambda n: f"Test Mobile Clinic {n}")
    registration_number = factory.Sequence(lambda n: f"TST {n:03d} GP")
    stock_location = factory.SubFactory(StockLocationFactory)


class RouteFactory(factory.django.DjangoModelFactory):
    """An active route running from a week ago to two months ahead, 08:00-17:00, 50 a day."""

    class Meta:
        model = Route

    route_name = factory.Sequence(lambda n: f"Test Route {n}")
    province = Province.GAUTENG
    route_type = "Police Stations"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=7))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    start_time = datetime.time(8, 0)
    end_time = datetime.time(17, 0)
    max_appointments_per_day = 50
    status = RouteStatus.ACTIVE
    mobile_unit = factory.SubFactory(MobileUnitFactory)


class RouteStopFactory(factory.django.DjangoModelFactory):
    """A clinic day (tomorrow by default, so its slots are bookable) with its slots generated."""

    class Meta:
        model = RouteStop
        skip_postgeneration_save = True

    route = factory.SubFactory(RouteFactory)
    location = factory.SubFactory(LocationFactory, province=factory.SelfAttribute("..route.province"))
    date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=1))
    start_time = factory.LazyAttribute(lambda stop: stop.route.start_time)
    end_time = factory.LazyAttribute(lambda stop: stop.route.end_time)
    max_appointments = factory.LazyAttribute(lambda stop: stop.route.max_appointments_per_day)

    @factory.post_generation
    def slots(self, create, extracted, **kwargs):
        if create and extracted is not False:
            self.generate_slots()


class AppointmentSlotFactory(factory.django.DjangoModelFactory):
    """A lone slot (09:00-09:15, room for 10) on a stop created without generated slots."""

    class Meta:
        model = AppointmentSlot

    stop = factory.SubFactory(RouteStopFactory, slots=False)
    start_time = datetime.time(9, 0)
    end_time = datetime.time(9, 15)
    capacity = 10


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A booking written directly (not through `book()`), taking a seat in its slot."""

    class Meta:
        model = Appointment

    slot = factory.SubFactory(AppointmentSlotFactory)
    reference = factory.Sequence(lambda n: f"TEST{n:04d}")
    first_name = "Thabo"
    last_name = factory.Sequence(lambda n: f"Mokoena{n}")
    phone = factory.Sequence(lambda n: f"+2782{n:07d}")
    status = AppointmentStatus.BOOKED
    channel = BookingChannel.PUBLIC

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        appointment = super()._create(model_class, *args, **kwargs)
        if appointment.status != AppointmentStatus.CANCELLED:
            AppointmentSlot.objects.filter(pk=appointment.slot_id).update(booked_count=F("booked_count") + 1)
            appointment.slot.refresh_from_db()
        return appointment
