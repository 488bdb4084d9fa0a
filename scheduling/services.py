"""Scheduling workflows that span models: booking, clinic days and their capacity.

Every write that touches capacity locks the stop first, then its slots (always in that order),
and takes seats with a conditional update, so a slot is never overbooked.
"""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from stdnum.za import idnr

from polmed.exceptions import ConflictError, RuleViolation
from scheduling.choices import AppointmentStatus, BookingChannel, NotificationKind, RouteStatus
from scheduling.models import Appointment, AppointmentSlot, Location, Route, RouteStop, new_reference
from scheduling.notifications import notify
from scheduling.phones import normalize_phone

MAX_STOPS_PER_REQUEST = 400


def _notify_after_commit(kind: str, appointments: Iterable[Appointment]) -> None:
    appointments = list(appointments)
    transaction.on_commit(lambda: [notify(kind, appointment) for appointment in appointments])


def _lock_stop(stop_id: int) -> RouteStop:
    return RouteStop.objects.select_for_update().select_related("route", "location").get(pk=stop_id)


def _clean_person(*, first_name: str, last_name: str, phone: str, sa_id_number: str, medical_aid_number: str):
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name:
        raise RuleViolation("First name is required.", field="first_name")
    if not last_name:
        raise RuleViolation("Last name is required.", field="last_name")
    phone = normalize_phone(phone)
    sa_id_number = (sa_id_number or "").replace(" ", "")
    if sa_id_number and not idnr.is_valid(sa_id_number):
        raise RuleViolation("Enter a valid 13-digit South African ID number.", field="sa_id_number")
    return first_name, last_name, phone, sa_id_number, (medical_aid_number or "").strip()


def book(
    *,
    slot: AppointmentSlot,
    first_name: str,
    last_name: str,
    phone: str,
    sa_id_number: str = "",
    medical_aid_number: str = "",
    email: str = "",
    booked_by=None,
    channel: str = BookingChannel.PUBLIC,
) -> Appointment:
    """Book one seat in `slot` and send a confirmation once committed.

    Raises RuleViolation (400) for bad personal details and ConflictError (409) when the slot is
    full, has started, is on a blocked day or on a route that is not active, or (staff bookings)
    when this phone number already holds a booking that day.
    """
    first_name, last_name, phone, sa_id_number, medical_aid_number = _clean_person(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        sa_id_number=sa_id_number,
        medical_aid_number=medical_aid_number,
    )
    with transaction.atomic():
        stop = _lock_stop(slot.stop_id)
        slot = AppointmentSlot.objects.get(pk=slot.pk)
        slot.stop = stop
        if stop.is_blocked:
            raise ConflictError("This clinic day is not available; please choose another day.", code="blocked")
        if not stop.route.is_bookable:
            raise ConflictError("This route is not taking bookings.", code="route_inactive")
        if slot.has_started():
            raise ConflictError("This appointment time has passed.", code="past")
        # Staff only: on the public channel this answer would tell a stranger that a phone
        # number has a clinic appointment that day.
        if channel == BookingChannel.STAFF and (
            Appointment.objects.holding_seats()
            .filter(slot__stop=stop, phone=phone)
            .exclude(status=AppointmentStatus.NEEDS_RESCHEDULING)
            .exists()
        ):
            raise ConflictError("This phone number already has an appointment on this day.", code="duplicate")
        taken = AppointmentSlot.objects.filter(pk=slot.pk, booked_count__lt=F("capacity")).update(
            booked_count=F("booked_count") + 1
        )
        if not taken:
            raise ConflictError("This appointment time is fully booked; please choose another.", code="full")
        slot.booked_count += 1
        appointment = _create_with_unique_reference(
            slot=slot,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=(email or "").strip(),
            sa_id_number=sa_id_number,
            medical_aid_number=medical_aid_number,
            booked_by=booked_by if booked_by is not None and booked_by.is_authenticated else None,
            channel=channel,
        )
        _notify_after_commit(NotificationKind.CONFIRMATION, [appointment])
    return appointment


def _create_with_unique_reference(**fields) -> Appointment:
    for _ in range(10):
        try:
            with transaction.atomic():
                return Appointment.objects.create(reference=new_reference(), **fields)
        except IntegrityError:
            # A reference collision (one in about a trillion): draw again.
            continue
    raise ConflictError("Could not allocate a booking reference; please try again.")


def cancel(appointment: Appointment, *, by=None) -> Appointment:
    """Cancel a booking, free its seat and tell the person."""
    with transaction.atomic():
        appointment.cancel(by=by)
        _notify_after_commit(NotificationKind.CANCELLATION, [appointment])
    return appointment


def reschedule(appointment: Appointment, *, slot: AppointmentSlot, by=None) -> Appointment:
    """Move a booking (typically one that needs rescheduling) to another slot: a new booking with
    the same details, and the old one cancelled. Returns the new appointment."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.NEEDS_RESCHEDULING):
        raise ConflictError(
            f"Cannot reschedule an appointment that is {appointment.get_status_display().lower()}.",
            code="invalid_status",
        )
    with transaction.atomic():
        appointment.cancel(by=by)
        new = book(
            slot=slot,
            first_name=appointment.first_name,
            last_name=appointment.last_name,
            phone=appointment.phone,
            sa_id_number=appointment.sa_id_number,
            medical_aid_number=appointment.medical_aid_number,
            email=appointment.email,
            booked_by=by,
            channel=BookingChannel.STAFF,
        )
    return new


def add_stops(
    route: Route,
    *,
    location: Location,
    dates: Iterable[datetime.date] = (),
    weekdays: Iterable[int] = (),
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    max_appointments: int | None = None,
) -> list[RouteStop]:
    """Add clinic days at `location`: explicit `dates`, or every given weekday (0 = Monday) between
    the route's start and end dates. Hours and capacity default to the route's. Days the route
    already visits at this location are left as they are. Slots are generated for each new stop."""
    dates, weekdays = sorted(set(dates)), sorted(set(weekdays))
    if bool(dates) == bool(weekdays):
        raise RuleViolation("Give either dates or weekdays.", field="dates")
    if any(day not in range(7) for day in weekdays):
        raise RuleViolation("Weekdays are 0 (Monday) to 6 (Sunday).", field="weekdays")
    if weekdays:
        span = (route.end_date - route.start_date).days + 1
        days = (route.start_date + datetime.timedelta(days=n) for n in range(span))
        dates = [day for day in days if day.weekday() in weekdays]
    outside = [day for day in dates if not route.start_date <= day <= route.end_date]
    if outside:
        raise RuleViolation(
            f"{outside[0]:%Y-%m-%d} is outside the route's dates "
            f"({route.start_date:%Y-%m-%d} to {route.end_date:%Y-%m-%d}).",
            field="dates",
        )
    if len(dates) > MAX_STOPS_PER_REQUEST:
        raise RuleViolation(f"At most {MAX_STOPS_PER_REQUEST} days at a time.", field="dates")
    start_time, end_time = start_time or route.start_time, end_time or route.end_time
    if end_time <= start_time:
        raise RuleViolation("The day must end after it starts.", field="end_time")
    if location.province != route.province:
        raise RuleViolation("The location is not in the route's province.", field="location")
    with transaction.atomic():
        taken = set(RouteStop.objects.filter(route=route, location=location).values_list("date", flat=True))
        stops = [
            RouteStop(
                route=route,
                location=location,
                date=day,
                start_time=start_time,
                end_time=end_time,
                max_appointments=route.max_appointments_per_day if max_appointments is None else max_appointments,
            )
            for day in dates
            if day not in taken
        ]
        for stop in stops:
            # Saved one by one: auditlog records each stop, and the pk is needed for slots.
            stop.save()
            stop.generate_slots()
    return stops


def change_stop(
    stop: RouteStop,
    *,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    max_appointments: int | None = None,
) -> RouteStop:
    """Change a clinic day's hours or capacity and regenerate its slots; bookings are kept.

    The capacity cannot drop below the seats already taken (409).
    """
    with transaction.atomic():
        locked = _lock_stop(stop.pk)
        start_time = start_time or locked.start_time
        end_time = end_time or locked.end_time
        if end_time <= start_time:
            raise RuleViolation("The day must end after it starts.", field="end_time")
        if max_appointments is not None:
            taken = sum(AppointmentSlot.objects.filter(stop=locked).values_list("booked_count", flat=True))
            if max_appointments < taken:
                raise ConflictError(
                    f"{taken} appointments are already booked this day; the capacity cannot be lower.",
                    code="capacity_below_bookings",
                )
            locked.max_appointments = max_appointments
        locked.start_time, locked.end_time = start_time, end_time
        locked.save(update_fields=["start_time", "end_time", "max_appointments"])
        locked.generate_slots()
    return locked


def block_day(stop: RouteStop, *, reason: str, by=None, notify_people: bool = True) -> list[Appointment]:
    """Cancel a clinic day (a van breakdown): no more bookings, and every booking that day becomes
    "needs rescheduling" (keeping its seat until staff move or cancel it). Returns those bookings.

    `notify_people=False` when staff will phone everyone themselves."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("Say why the day is blocked.", field="reason")
    with transaction.atomic():
        locked = _lock_stop(stop.pk)
        if locked.is_blocked:
            raise ConflictError("This clinic day is already blocked.", code="already_blocked")
        locked.is_blocked, locked.blocked_reason = True, reason[:200]
        locked.blocked_at, locked.blocked_by = timezone.now(), by
        locked.save(update_fields=["is_blocked", "blocked_reason", "blocked_at", "blocked_by"])
        affected = list(
            Appointment.objects.select_for_update()
            .filter(slot__stop=locked, status=AppointmentStatus.BOOKED)
            .select_related("slot__stop__location")
        )
        for appointment in affected:
            appointment.status = AppointmentStatus.NEEDS_RESCHEDULING
            appointment.status_changed_at, appointment.status_changed_by = locked.blocked_at, by
            appointment.save(update_fields=["status", "status_changed_at", "status_changed_by"])
        if notify_people:
            _notify_after_commit(NotificationKind.NEEDS_RESCHEDULING, affected)
    stop.refresh_from_db()
    return affected


def unblock_day(stop: RouteStop, *, by=None) -> list[Appointment]:
    """Open a blocked day again; bookings still waiting to be rescheduled are booked again."""
    with transaction.atomic():
        locked = _lock_stop(stop.pk)
        if not locked.is_blocked:
            raise ConflictError("This clinic day is not blocked.", code="not_blocked")
        locked.is_blocked, locked.blocked_reason, locked.blocked_at, locked.blocked_by = False, "", None, None
        locked.save(update_fields=["is_blocked", "blocked_reason", "blocked_at", "blocked_by"])
        restored = list(
            Appointment.objects.select_for_update().filter(
                slot__stop=locked, status=AppointmentStatus.NEEDS_RESCHEDULING
            )
        )
        now = timezone.now()
        for appointment in restored:
            appointment.status, appointment.status_changed_at, appointment.status_changed_by = (
                AppointmentStatus.BOOKED,
                now,
                by,
            )
            appointment.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    stop.refresh_from_db()
    return restored


def cancel_route(route: Route, *, by=None) -> list[Appointment]:
    """Cancel a route: its status becomes cancelled and every clinic day from today on is blocked,
    so its bookings are listed for rescheduling. Returns those bookings."""
    affected = []
    with transaction.atomic():
        Route.objects.filter(pk=route.pk).update(status=RouteStatus.CANCELLED)
        route.status = RouteStatus.CANCELLED
        for stop in RouteStop.objects.filter(route=route, date__gte=timezone.localdate(), is_blocked=False):
            affected += block_day(stop, reason="Route cancelled", by=by)
    return affected
