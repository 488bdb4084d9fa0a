"""Demo clinic places, vans, routes with stops over the next 60 days, slots and some bookings.

Idempotent: places, vans and routes are found by name or code; days and bookings that exist
are left as they are. Bookings are written without sending notices.
"""

import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from inventory.choices import LocationKind
from inventory.models import StockLocation
from polmed.choices import Province
from scheduling import services
from scheduling.choices import AppointmentStatus, BookingChannel, LocationType, RouteStatus
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, Route, RouteStop, new_reference

# (town, latitude, longitude) per province.
TOWNS = {
    Province.EASTERN_CAPE: ("Mthatha", "-31.5889", "28.7844"),
    Province.FREE_STATE: ("Bloemfontein", "-29.0852", "26.1596"),
    Province.GAUTENG: ("Soweto", "-26.2485", "27.8540"),
    Province.KWAZULU_NATAL: ("Umlazi", "-29.9707", "30.8826"),
    Province.LIMPOPO: ("Polokwane", "-23.9045", "29.4689"),
    Province.MPUMALANGA: ("Mbombela", "-25.4753", "30.9694"),
    Province.NORTHERN_CAPE: ("Kimberley", "-28.7282", "24.7499"),
    Province.NORTH_WEST: ("Mahikeng", "-25.8560", "25.6403"),
    Province.WESTERN_CAPE: ("Khayelitsha", "-34.0403", "18.6779"),
}
PLACE_NAMES = {
    LocationType.POLICE_STATION: "{town} Police Station",
    LocationType.SCHOOL: "{town} Secondary School",
    LocationType.COMMUNITY_CENTRE: "{town} Community Centre",
    LocationType.CLINIC: "{town} Community Health Clinic",
    LocationType.WORKPLACE: "SAPS Provincial Office {town}",
    LocationType.OTHER: "{town} Taxi Rank",
}
VANS = [(1, "POL 001 GP"), (2, "POL 002 WC"), (3, "POL 003 ZN"), (4, "POL 004 EC")]
ROUTES = [
    ("Soweto Route 1", Province.GAUTENG, "Police Stations", 1),
    ("Cape Town Route 1", Province.WESTERN_CAPE, "Police Stations", 2),
    ("Durban South Route", Province.KWAZULU_NATAL, "Schools and Community Centres", 3),
    ("Mthatha Outreach", Province.EASTERN_CAPE, "Mixed", 4),
]
PEOPLE = [
    ("Sibusiso", "Mahlangu"),
    ("Nomvula", "Dube"),
    ("Kagiso", "Molefe"),
    ("Anele", "Nkosi"),
    ("Precious", "Sithole"),
    ("Themba", "Shabalala"),
    ("Refilwe", "Mabaso"),
    ("Lwazi", "Ntuli"),
]
PAST_DAYS, FUTURE_DAYS = 14, 60


def seed(*, password: str, log) -> None:
    today = timezone.localdate()
    locations = _locations(log)
    vans = _vans(log)
    for route_name, province, route_type, van_number in ROUTES:
        route = _route(route_name, province, route_type, vans[van_number], today)
        stops = _stops(route, [loc for loc in locations if loc.province == province], today)
        log(f"Route {route}: {len(stops)} clinic days")
        _bookings(route, today)
    _blocked_day(today, log)


def _locations(log) -> list[Location]:
    locations = []
    for province, (town, latitude, longitude) in TOWNS.items():
        for index, (location_type, pattern) in enumerate(PLACE_NAMES.items()):
            location, created = Location.objects.get_or_create(
                name=pattern.format(town=town),
                province=province,
                defaults={
                    "location_type": location_type,
                    "address": f"{index + 1} Main Road, {town}",
                    "latitude": Decimal(latitude) + Decimal(index) / 1000,
                    "longitude": Decimal(longitude) + Decimal(index) / 1000,
                    "contact_person": "Station Commander" if location_type == LocationType.POLICE_STATION else "",
                    "contact_phone": f"+2712555{index:04d}",
                },
            )
            locations.append(location)
    log(f"{len(locations)} clinic locations")
    return locations


def _vans(log) -> dict[int, MobileUnit]:
    vans = {}
    for number, registration in VANS:
        stock_location, _ = StockLocation.objects.get_or_create(
            code=f"VAN-{number:02d}", defaults={"name": f"Mobile Clinic {number}", "kind": LocationKind.MOBILE_UNIT}
        )
        vans[number], _ = MobileUnit.objects.get_or_create(
            stock_location=stock_location,
            defaults={"name": f"Mobile Clinic {number}", "registration_number": registration},
        )
    log(f"{len(vans)} vans")
    return vans


def _route(route_name, province, route_type, van, today) -> Route:
    route, _ = Route.objects.update_or_create(
        route_name=route_name,
        defaults={
            "province": province,
            "route_type": route_type,
            "description": f"Weekday clinic visits around {TOWNS[province][0]}",
            "start_date": today - datetime.timedelta(days=PAST_DAYS),
            "end_date": today + datetime.timedelta(days=FUTURE_DAYS),
            "start_time": datetime.time(8, 0),
            "end_time": datetime.time(16, 0),
            "max_appointments_per_day": 40,
            "status": RouteStatus.ACTIVE,
            "mobile_unit": van,
        },
    )
    return route


def _stops(route: Route, locations: list[Location], today) -> list[RouteStop]:
    """Every weekday (and today, whatever day it is) at the next place in turn."""
    span = (route.end_date - route.start_date).days + 1
    days = [route.start_date + datetime.timedelta(days=n) for n in range(span)]
    days = [day for day in days if day.weekday() < 5 or day == today]
    visited = set(RouteStop.objects.filter(route=route).values_list("date", flat=True))
    by_location: dict[Location, list[datetime.date]] = {}
    for day in days:
        if day not in visited:
            by_location.setdefault(locations[day.toordinal() % len(locations)], []).append(day)
    for location, dates in by_location.items():
        services.add_stops(route, location=location, dates=dates)
    return list(RouteStop.objects.filter(route=route))


def _bookings(route: Route, today) -> None:
    """A few bookings on each of the next days, today's included (for check-in)."""
    stops = RouteStop.objects.filter(route=route, date__gte=today).order_by("date")[:6]
    for day_index, stop in enumerate(stops):
        if stop.is_blocked:
            continue
        slots = list(AppointmentSlot.objects.filter(stop=stop).order_by("start_time")[:4])
        for n, slot in enumerate(slots):
            first_name, last_name = PEOPLE[(day_index + n + route.pk) % len(PEOPLE)]
            phone = f"+2782555{route.pk % 10}{day_index}{n:02d}"
            if Appointment.objects.filter(slot__stop=stop, phone=phone).exists():
                continue
            taken = AppointmentSlot.objects.filter(pk=slot.pk, booked_count__lt=F("capacity")).update(
                booked_count=F("booked_count") + 1
            )
            if taken:
                Appointment.objects.create(
                    slot=slot,
                    reference=new_reference(),
                    first_name=first_name,
                    last_name=last_name,
                    phone=phone,
                    channel=BookingChannel.PUBLIC if n % 2 else BookingChannel.STAFF,
                    status=AppointmentStatus.BOOKED,
                )


def _blocked_day(today, log) -> None:
    """A van breakdown on the first route's third clinic day from today, so the follow-up list
    of bookings that need rescheduling has entries."""
    route = Route.objects.get(route_name=ROUTES[0][0])
    if RouteStop.objects.filter(route=route, is_blocked=True).exists():
        return
    stop = RouteStop.objects.filter(route=route, date__gt=today).order_by("date")[1:2].first()
    if stop is not None:
        affected = services.block_day(stop, reason="Van in for repairs", notify_people=False)
        log(f"Blocked {stop}: {len(affected)} bookings need rescheduling")
