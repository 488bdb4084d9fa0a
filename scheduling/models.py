import datetime
import secrets

from auditlog.registry import auditlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from polmed.choices import Province
from polmed.exceptions import ConflictError
from scheduling.choices import AppointmentStatus, BookingChannel, LocationType, RouteStatus

# Booking references: no 0/O or 1/I, so they survive being read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8
DEFAULT_SLOT_MINUTES = 15


class Location(models.Model):
    """A place a mobile clinic visits: a police station, school, community centre, workplace."""

    name = models.CharField(max_length=200)
    location_type = models.CharField(max_length=30, choices=LocationType.choices)
    address = models.TextField(blank=True)
    province = models.CharField(max_length=20, choices=Province.choices)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    contact_person = models.CharField(max_length=150, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["province", "name"]
        indexes = [models.Index(fields=["province", "location_type"])]

    def __str__(self):
        return f"{self.name} ({self.get_location_type_display()})"


class MobileUnit(models.Model):
    """A van (or tent kit) that travels a route; its stock is one inventory stock location."""

    name = models.CharField(max_length=120, unique=True)
    registration_number = models.CharField(max_length=20, unique=True)
    home_base = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stock_location = models.OneToOneField(
        "inventory.StockLocation", on_delete=models.PROTECT, related_name="mobile_unit"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.registration_number})"


class Route(models.Model):
    """A planned series of clinic days in one province, served by one van."""

    route_name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    province = models.CharField(max_length=20, choices=Province.choices)
    route_type = models.CharField(max_length=100, blank=True, help_text='Free text, e.g. "Police Stations".')
    start_date = models.DateField()
    end_date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    max_appointments_per_day = models.PositiveIntegerField(default=50)
    slot_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_SLOT_MINUTES,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Length of one appointment slot.",
    )
    status = models.CharField(max_length=20, choices=RouteStatus.choices, default=RouteStatus.DRAFT)
    mobile_unit = models.ForeignKey(MobileUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="routes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "route_name"]
        indexes = [models.Index(fields=["province", "status", "start_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="route_ends_after_start"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="route_day_ends_after_start"),
        ]

    def __str__(self):
        return self.route_name

    @property
    def is_bookable(self) -> bool:
        return self.status == RouteStatus.ACTIVE


class RouteStopQuerySet(models.QuerySet):
    def on(self, date: datetime.date):
        return self.filter(date=date)

    def blocked(self):
        return self.filter(is_blocked=True)


class RouteStop(models.Model):
    """One clinic day: the route's van parked at a location on a date, with its own hours.

    Hours and the day's capacity start as the route's and may be changed per stop; the
    appointment slots are generated from them (`generate_slots`).
    """

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stops")
    date = models.DateField()
    start_time = models.TimeField(blank=True, help_text="Empty: the route's start time.")
    end_time = models.TimeField(blank=True, help_text="Empty: the route's end time.")
    max_appointments = models.PositiveIntegerField(
        blank=True, help_text="Appointments this day can take, spread over its slots. Empty: the route's daily maximum."
    )
    is_blocked = models.BooleanField(default=False, help_text="No clinic this day (e.g. the van broke down).")
    blocked_reason = models.CharField(max_length=200, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)

    objects = RouteStopQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time", "pk"]
        indexes = [models.Index(fields=["date", "is_blocked"])]
        constraints = [
            models.UniqueConstraint(fields=["route", "location", "date"], name="one_stop_per_route_location_day"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="stop_day_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.route} at {self.location.name} on {self.date:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.fill_from_route()
        super().save(*args, **kwargs)

    def clean(self):
        self.fill_from_route()
        if self.route_id and self.date and not self.route.start_date <= self.date <= self.route.end_date:
            raise ValidationError({"date": "The day is outside the route's dates."})

    def fill_from_route(self) -> None:
        """Hours and capacity not given are the route's."""
        if self.route_id:
            self.start_time = self.start_time or self.route.start_time
            self.end_time = self.end_time or self.route.end_time
            if self.max_appointments is None:
                self.max_appointments = self.route.max_appointments_per_day

    @property
    def mobile_unit(self):
        """The van that serves this stop: its route's."""
        return self.route.mobile_unit

    def slot_times(self) -> list[tuple[datetime.time, datetime.time]]:
        """(start, end) of every whole slot between the stop's hours."""
        length = datetime.timedelta(minutes=self.route.slot_minutes)
        day_start = datetime.datetime.combine(self.date, self.start_time)
        day_end = datetime.datetime.combine(self.date, self.end_time)
        times, start = [], day_start
        while start + length <= day_end:
            times.append((start.time(), (start + length).time()))
            start += length
        return times

    def generate_slots(self) -> None:
        """Create or refresh this day's slots from its hours and capacity, keeping every booking.

        Slots that no longer fit the hours are deleted when nobody ever booked them; otherwise
        they stay, closed to new bookings (capacity = seats already taken).
        """
        with transaction.atomic():
            existing = {slot.start_time: slot for slot in AppointmentSlot.objects.select_for_update().filter(stop=self)}
            times = self.slot_times()
            grid = []
            for start, end in times:
                slot = existing.pop(start, None) or AppointmentSlot(stop=self, start_time=start, booked_count=0)
                slot.end_time = end
                grid.append(slot)
            off_grid_seats = 0
            for slot in existing.values():
                if slot.appointments.exists():
                    slot.capacity = slot.booked_count
                    slot.save(update_fields=["capacity"])
                    off_grid_seats += slot.booked_count
                else:
                    slot.delete()
            capacities = spread_capacity(
                max(self.max_appointments - off_grid_seats, 0), [slot.booked_count for slot in grid]
            )
            for slot, capacity in zip(grid, capacities, strict=True):
                slot.capacity = capacity
                if slot.pk:
                    slot.save(update_fields=["end_time", "capacity"])
            AppointmentSlot.objects.bulk_create([slot for slot in grid if slot.pk is None])


def spread_capacity(total: int, booked: list[int]) -> list[int]:
    """Spread a day's capacity evenly over its slots, never below the seats a slot has taken.

    If bookings already exceed the even share somewhere, the excess is taken from the latest
    slots with room to spare. The result sums to max(total, sum(booked)).
    """
    count = len(booked)
    if count == 0:
        return []
    shares = [(i + 1) * total // count - i * total // count for i in range(count)]
    capacities = [max(share, taken) for share, taken in zip(shares, booked, strict=True)]
    excess = sum(capacities) - max(total, sum(booked))
    for i in reversed(range(count)):
        if excess <= 0:
            break
        spare = capacities[i] - booked[i]
        cut = min(spare, excess)
        capacities[i] -= cut
        excess -= cut
    return capacities


class AppointmentSlotQuerySet(models.QuerySet):
    def available(self, *, now: datetime.datetime | None = None):
        """Slots the public may book: in the future, with a seat left, on an open day of an active route."""
        now = timezone.localtime(now)
        return self.filter(
            Q(stop__date__gt=now.date()) | Q(stop__date=now.date(), start_time__gt=now.time()),
            booked_count__lt=F("capacity"),
            stop__is_blocked=False,
            stop__route__status=RouteStatus.ACTIVE,
        )


class AppointmentSlot(models.Model):
    """A bookable time at a clinic stop (e.g. 09:00-09:15) with room for `capacity` patients.

    `booked_count` is the number of seats taken; it only changes through conditional updates
    (see `scheduling.services.book`), so a slot is never overbooked.
    """

    stop = models.ForeignKey(RouteStop, on_delete=models.CASCADE, related_name="slots")
    start_time = models.TimeField()
    end_time = models.TimeField()
    capacity = models.PositiveIntegerField(default=0)
    booked_count = models.PositiveIntegerField(default=0)

    objects = AppointmentSlotQuerySet.as_manager()

    class Meta:
        ordering = ["stop__date", "start_time", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["stop", "start_time"], name="one_slot_per_stop_time"),
            models.CheckConstraint(condition=Q(booked_count__lte=F("capacity")), name="slot_not_overbooked"),
        ]

    def __str__(self):
        return f"{self.stop.date:%Y-%m-%d} {self.start_time:%H:%M} ({self.booked_count}/{self.capacity})"

    @property
    def date(self) -> datetime.date:
        return self.stop.date

    @property
    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.stop.date, self.start_time))

    @property
    def spaces_left(self) -> int:
        return max(self.capacity - self.booked_count, 0)

    def has_started(self, now: datetime.datetime | None = None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def release_seat(self) -> None:
        AppointmentSlot.objects.filter(pk=self.pk, booked_count__gt=0).update(booked_count=F("booked_count") - 1)


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class AppointmentQuerySet(models.QuerySet):
    def holding_seats(self):
        return self.exclude(status=AppointmentStatus.CANCELLED)

    def needs_rescheduling(self):
        return self.filter(status=AppointmentStatus.NEEDS_RESCHEDULING)

    def on(self, date: datetime.date):
        return self.filter(slot__stop__date=date)

    def for_reference(self, reference: str, phone: str):
        """The booking with this reference and phone, or nothing: the pair is the caller's proof."""
        return self.filter(reference=reference.strip().upper(), phone=phone)


class Appointment(models.Model):
    """A person's booking for one slot at a clinic stop, made online or by staff.

    It holds a name and a phone number (personal data), so only clinic staff see it; the public
    reach their own booking with its reference and phone number together.
    """

    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    reference = models.CharField(max_length=12, unique=True, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=16, help_text="E.164, e.g. +27821234567.")
    email = models.EmailField(blank=True)
    sa_id_number = models.CharField(max_length=13, blank=True)
    medical_aid_number = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    channel = models.CharField(max_length=10, choices=BookingChannel.choices, default=BookingChannel.PUBLIC)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["slot__stop__date", "slot__start_time", "pk"]
        indexes = [
            models.Index(fields=["status", "slot"], name="appointment_status_slot_idx"),
            models.Index(fields=["phone"], name="appointment_phone_idx"),
            models.Index(fields=["last_name", "first_name"], name="appointment_name_idx"),
        ]

    def __str__(self):
        return f"Appointment {self.reference}"

    @property
    def stop(self) -> RouteStop:
        """The clinic day: its route, location and (through the route) van."""
        return self.slot.stop

    @property
    def appointment_date(self) -> datetime.date:
        return self.slot.stop.date

    @property
    def appointment_time(self) -> datetime.time:
        return self.slot.start_time

    @property
    def holds_seat(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED

    def _move_to(self, status: str, *, allowed_from: tuple[str, ...], by=None, verb: str, **extra) -> None:
        """Change status under a row lock, so two clerks cannot both act on one booking."""
        with transaction.atomic():
            current = Appointment.objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
            self.status = current
            if current not in allowed_from:
                raise ConflictError(
                    f"Cannot {verb} an appointment that is {self.get_status_display().lower()}.",
                    code="invalid_status",
                )
            self.status, self.status_changed_at, self.status_changed_by = status, timezone.now(), by
            for name, value in extra.items():
                setattr(self, name, value)
            self.save(update_fields=["status", "status_changed_at", "status_changed_by", *extra])

    def cancel(self, *, by=None) -> None:
        """Cancel the booking and give its seat back. A booking whose time has passed cannot be cancelled."""
        with transaction.atomic():
            if self.status == AppointmentStatus.BOOKED and self.slot.has_started():
                raise ConflictError("This appointment has already taken place.", code="past")
            self._move_to(
                AppointmentStatus.CANCELLED,
                allowed_from=(AppointmentStatus.BOOKED, AppointmentStatus.NEEDS_RESCHEDULING),
                by=by,
                verb="cancel",
            )
            self.slot.release_seat()

    def check_in(self, *, by=None) -> None:
        """The patient arrived on the day of the appointment."""
        if self.slot.stop.date != timezone.localdate():
            raise ConflictError("Patients can be checked in only on the day of their appointment.", code="not_today")
        if self.slot.stop.is_blocked:
            raise ConflictError("This clinic day is blocked.", code="blocked")
        self._move_to(
            AppointmentStatus.CHECKED_IN,
            allowed_from=(AppointmentStatus.BOOKED,),
            by=by,
            verb="check in",
            checked_in_at=timezone.now(),
        )

    def mark_no_show(self, *, by=None) -> None:
        """The patient did not come; possible once the appointment's time has started."""
        if not self.slot.has_started():
            raise ConflictError("A no-show can be recorded only once the appointment time has passed.", code="future")
        self._move_to(
            AppointmentStatus.NO_SHOW, allowed_from=(AppointmentStatus.BOOKED,), by=by, verb="mark as no-show"
        )


auditlog.register(Location)
auditlog.register(MobileUnit)
auditlog.register(Route)
auditlog.register(RouteStop)
auditlog.register(AppointmentSlot, exclude_fields=["booked_count"])
auditlog.register(Appointment)
