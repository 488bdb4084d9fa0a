"""Pages: public booking (no login) and the staff appointment pages.

Booking, cancelling and every rule behind them are `scheduling.services`; these views only
translate forms to service calls and errors back to messages next to the fields.
"""

import datetime
from collections import Counter
from itertools import groupby
from types import SimpleNamespace

from django.contrib import messages
from django.db.models import F, Max, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST
from rest_framework.throttling import ScopedRateThrottle

from inventory.models import Batch, Item, StockLevel
from polmed.exceptions import ConflictError, RuleViolation
from polmed.web import add_domain_error, audit_reads, patient_data, staff_page
from scheduling import services
from scheduling.choices import AppointmentStatus, BookingChannel
from scheduling.forms import BlockDayForm, DayCapacityForm, FindSlotsForm, ManageBookingForm, PublicBookingForm
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, RouteStop
from scheduling.phones import try_normalize_phone

BOOKED_SESSION_KEY = "public_booking"
MANAGED_SESSION_KEY = "public_booking_managed"
NEXT_DAYS = 14


def _throttled(request) -> bool:
    """Public writes and look-ups share the API's public rate limit, per address."""
    throttle = ScopedRateThrottle()
    return not throttle.allow_request(request, SimpleNamespace(throttle_scope="public"))


def _too_many(request):
    return HttpResponse(
        render_to_string("scheduling/public/too_many.html", request=request), status=429, headers={"Retry-After": "60"}
    )


def _available_in(province: str):
    return AppointmentSlot.objects.available().filter(stop__location__province=province, stop__location__is_active=True)


def book_start(request):
    """Step 1 and 2: choose a province, a date and (optionally) a location, and see the free times."""
    data = request.GET if request.GET else None
    province = request.GET.get("province", "")
    locations = Location.objects.filter(province=province, is_active=True) if province else Location.objects.none()
    form = FindSlotsForm(data, locations=locations, initial={"date": timezone.localdate()})
    context = {"form": form, "searched": False}
    if data is not None and form.is_valid():
        province, date, location = (form.cleaned_data[k] for k in ("province", "date", "location"))
        slots = _available_in(province).filter(stop__date=date)
        if location:
            slots = slots.filter(stop__location=location)
        slots = slots.select_related("stop__location", "stop__route").order_by(
            "stop__location__name", "stop__start_time", "stop_id", "start_time"
        )
        stops = [
            SimpleNamespace(stop=stop, slots=list(group)) for stop, group in groupby(slots, key=lambda slot: slot.stop)
        ]
        other_days = (
            _available_in(province)
            .filter(stop__date__gt=timezone.localdate() - datetime.timedelta(days=1))
            .filter(stop__date__lte=date + datetime.timedelta(days=NEXT_DAYS))
            .exclude(stop__date=date)
            .values("stop__date")
            .annotate(free=Sum(F("capacity") - F("booked_count")))
            .order_by("stop__date")
        )
        if location:
            other_days = other_days.filter(stop__location=location)
        context.update(searched=True, stops=stops, other_days=other_days, province=province, date=date)
    return render(request, "scheduling/public/book.html", context)


def book_slot(request, slot_id: int):
    """Step 3: name and phone for the chosen time; the service books it or says why not."""
    slot = get_object_or_404(AppointmentSlot.objects.select_related("stop__location", "stop__route"), pk=slot_id)
    form = PublicBookingForm(request.POST or None)
    if request.method == "POST":
        if _throttled(request):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = services.book(
                    slot=slot,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    sa_id_number=data["sa_id_number"],
                    medical_aid_number=data["medical_aid_number"],
                    email=data["email"],
                    channel=BookingChannel.PUBLIC,
                )
            except (RuleViolation, ConflictError) as exc:
                add_domain_error(form, exc)
            else:
                request.session[BOOKED_SESSION_KEY] = appointment.pk
                return redirect("scheduling:book-confirmation")
    return render(request, "scheduling/public/book_slot.html", {"form": form, "slot": slot})


def _session_appointment(request, key: str):
    pk = request.session.get(key)
    if pk is None:
        return None
    return Appointment.objects.select_related("slot__stop__location", "slot__stop__route").filter(pk=pk).first()


def book_confirmation(request):
    """The reference, shown once to the browser that made the booking (never by a guessable URL)."""
    appointment = _session_appointment(request, BOOKED_SESSION_KEY)
    if appointment is None:
        return redirect("scheduling:book")
    response = render(request, "scheduling/public/confirmation.html", {"appointment": appointment})
    response["Cache-Control"] = "no-store"
    return response


def manage_booking(request):
    """Look a booking up with its reference and phone number together; then it may be cancelled."""
    form = ManageBookingForm(request.POST or None)
    appointment = None
    if request.method == "POST":
        if _throttled(request):
            return _too_many(request)
        if form.is_valid():
            phone = try_normalize_phone(form.cleaned_data["phone"])
            appointment = (
                Appointment.objects.for_reference(form.cleaned_data["reference"], phone)
                .select_related("slot__stop__location", "slot__stop__route")
                .first()
                if phone
                else None
            )
            if appointment is None:
                # One message for either part being wrong: the page must not confirm a reference exists.
                form.add_error(None, "We could not find a booking with that reference and phone number.")
                request.session.pop(MANAGED_SESSION_KEY, None)
            else:
                request.session[MANAGED_SESSION_KEY] = appointment.pk
    response = render(request, "scheduling/public/manage.html", {"form": form, "appointment": appointment})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def cancel_booking(request):
    """Cancel the booking this browser just looked up with its reference and phone."""
    appointment = _session_appointment(request, MANAGED_SESSION_KEY)
    if appointment is None:
        return redirect("scheduling:book-manage")
    try:
        services.cancel(appointment)
    except ConflictError as exc:
        response = render(
            request,
            "scheduling/public/manage.html",
            {"form": ManageBookingForm(), "appointment": appointment, "cancel_error": exc.message},
            status=409,
        )
        response["Cache-Control"] = "no-store"
        return response
    request.session.pop(MANAGED_SESSION_KEY, None)
    response = render(request, "scheduling/public/cancelled.html", {"appointment": appointment})
    response["Cache-Control"] = "no-store"
    return response


# --- Staff pages -------------------------------------------------------------------------------


def _day_from(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@staff_page("scheduling.view_appointment")
def appointment_days(request):
    """Clinic days on a date (today by default), to pick the one whose bookings to open."""
    day = _day_from(request)
    stops = (
        RouteStop.objects.on(day)
        .select_related("route__mobile_unit", "location")
        .annotate(booked=Sum("slots__booked_count"), capacity=Sum("slots__capacity"))
        .order_by("location__province", "location__name")
    )
    context = {
        "day": day,
        "stops": stops,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
    }
    return render(request, "scheduling/appointment_days.html", context)


@staff_page("scheduling.view_appointment")
@patient_data
def stop_appointments(request, stop_id: int):
    """One clinic day's bookings in time order, with check-in and no-show."""
    stop = get_object_or_404(RouteStop.objects.select_related("route__mobile_unit", "location"), pk=stop_id)
    appointments = list(
        Appointment.objects.filter(slot__stop=stop).select_related("slot").order_by("slot__start_time", "last_name")
    )
    audit_reads(request, appointments)
    counts = Counter(appointment.status for appointment in appointments)
    context = {
        "stop": stop,
        "appointments": appointments,
        "counts": [(status.label, counts.get(status.value, 0)) for status in AppointmentStatus],
        "can_change": request.user.has_perm("scheduling.change_appointment"),
        "can_manage_day": request.user.has_perm("scheduling.change_routestop"),
    }
    return render(request, "scheduling/stop_appointments.html", context)


MANAGE_DAY_ACTIONS = ("block", "unblock", "capacity")


@staff_page("scheduling.change_routestop", "scheduling.view_appointment")
@patient_data
def manage_day(request, stop_id: int):
    """Block a clinic day (with its reason), open it again, or change how many it takes; then
    list the bookings that need rescheduling so the team can follow them up."""
    stop = get_object_or_404(RouteStop.objects.select_related("route__mobile_unit", "location"), pk=stop_id)
    action = request.POST.get("action") if request.method == "POST" else None
    block_form = BlockDayForm(request.POST if action == "block" else None, prefix="block")
    capacity_form = DayCapacityForm(
        request.POST if action == "capacity" else None,
        prefix="capacity",
        initial={"max_appointments": stop.max_appointments},
    )
    day_error = None
    if request.method == "POST":
        if action not in MANAGE_DAY_ACTIONS:
            return HttpResponse("Unknown action.", status=400)
        try:
            if action == "block" and block_form.is_valid():
                affected = services.block_day(
                    stop,
                    reason=block_form.cleaned_data["reason"],
                    by=request.user,
                    notify_people=block_form.cleaned_data["notify_people"],
                )
                messages.success(request, f"The day is blocked; {len(affected)} booking(s) need rescheduling.")
                return redirect("scheduling:manage-day", stop_id=stop.pk)
            if action == "unblock":
                restored = services.unblock_day(stop, by=request.user)
                messages.success(request, f"The day is open again; {len(restored)} booking(s) are booked again.")
                return redirect("scheduling:manage-day", stop_id=stop.pk)
            if action == "capacity" and capacity_form.is_valid():
                services.change_stop(stop, max_appointments=capacity_form.cleaned_data["max_appointments"])
                messages.success(request, "The day's capacity is changed.")
                return redirect("scheduling:manage-day", stop_id=stop.pk)
        except (RuleViolation, ConflictError) as exc:
            if action == "capacity":
                # The only refusal is a capacity below the seats already taken: it belongs to the field.
                capacity_form.add_error("max_appointments", exc.message)
            elif isinstance(exc, ConflictError):
                # Someone else blocked or opened the day meanwhile: said above whichever form now shows.
                day_error = exc.message
            else:
                add_domain_error(block_form, exc)
    to_reschedule = list(
        Appointment.objects.filter(slot__stop=stop, status=AppointmentStatus.NEEDS_RESCHEDULING)
        .select_related("slot")
        .order_by("slot__start_time", "last_name")
    )
    audit_reads(request, to_reschedule)
    booked = stop.slots.aggregate(booked=Sum("booked_count"))["booked"] or 0
    context = {
        "stop": stop,
        "block_form": block_form,
        "capacity_form": capacity_form,
        "day_error": day_error,
        "to_reschedule": to_reschedule,
        "booked": booked,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "scheduling/manage_day.html", context, status=status)


def _appointment_action(request, appointment_id: int, action: str, done: str):
    appointment = get_object_or_404(Appointment.objects.select_related("slot__stop"), pk=appointment_id)
    try:
        getattr(appointment, action)(by=request.user)
    except (ConflictError, RuleViolation) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{appointment.first_name} {appointment.last_name}: {done}.")
    return redirect("scheduling:stop-appointments", stop_id=appointment.slot.stop_id)


@require_POST
@staff_page("scheduling.change_appointment")
def appointment_no_show(request, appointment_id: int):
    return _appointment_action(request, appointment_id, "mark_no_show", "marked as no-show")


# --- A van's stock ---------------------------------------------------------------------------------

NEXT_STOPS_SHOWN = 5


@staff_page("inventory.view_batch", "scheduling.view_mobileunit")
def van_stock(request):
    """What a van carries, and which batches expire before the clinic days it is going to.

    The van defaults to one serving a clinic day today. Low stock is the inventory reorder rule, live.
    """
    today = timezone.localdate()
    vans = list(MobileUnit.objects.filter(is_active=True).select_related("stock_location").order_by("name"))
    van = next((v for v in vans if str(v.pk) == request.GET.get("van")), None)
    if van is None:
        serving_today = set(
            RouteStop.objects.on(today)
            .filter(route__mobile_unit__isnull=False)
            .values_list("route__mobile_unit", flat=True)
        )
        van = next((v for v in vans if v.pk in serving_today), vans[0] if vans else None)
    context = {"vans": vans, "van": van, "today": today}
    if van is not None:
        location = van.stock_location
        next_stops = list(
            RouteStop.objects.filter(route__mobile_unit=van, date__gte=today, is_blocked=False)
            .select_related("location", "route")
            .order_by("date", "start_time")[:NEXT_STOPS_SHOWN]
        )
        items = list(
            Item.objects.with_available_quantity(location)
            .filter(Q(available_quantity__gt=0) | Q(stock_levels__location=location))
            .annotate(
                reorder_level=Max("stock_levels__reorder_level", filter=Q(stock_levels__location=location)),
            )
            .distinct()
            .order_by("name")
        )
        # The live rule, not the recorded alerts: an alert is raised or cleared only when stock moves.
        low = set(
            StockLevel.objects.filter(location=location)
            .below_reorder_level(today=today)
            .values_list("item_id", flat=True)
        )
        horizon = next_stops[-1].date if next_stops else today
        expiring = list(
            Batch.objects.filter(location=location)
            .in_stock()
            .filter(expiry_date__lte=horizon)
            .select_related("item")
            .order_by("expiry_date", "item__name")
        )
        for batch in expiring:
            # The first clinic day this batch will already be out of date for.
            batch.missed_stop = next((stop for stop in next_stops if stop.date > batch.expiry_date), None)
            batch.expired = batch.is_expired(today)
        context.update(location=location, next_stops=next_stops, items=items, low=low, expiring=expiring)
    return render(request, "scheduling/van_stock.html", context)
