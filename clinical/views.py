"""Staff pages for the clinical workflow: patients, today's clinic, the visit page, referrals.

Every write goes through `clinical.services` or a model method (the same ones the API calls);
these views translate forms into those calls and their errors into messages next to the fields.
"""

import datetime
from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import icd10, services
from clinical.choices import (
    OPEN_REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
    STAGE_ORDER,
    ReferralStatus,
    Urgency,
    VisitStage,
)
from clinical.forms import (
    ConsultationNoteForm,
    CounselingNoteForm,
    DiagnosisForm,
    NursingNoteForm,
    OpenVisitForm,
    PatientForm,
    PatientSearchForm,
    PrescriptionItemForm,
    ReferralFeedbackForm,
    ReferralForm,
    ReferralStatusForm,
    VitalSignsForm,
)
from clinical.models import (
    ConsultationNote,
    CounselingNote,
    Diagnosis,
    Dispensation,
    Medicine,
    NursingNote,
    Patient,
    Prescription,
    PrescriptionItem,
    Referral,
    Visit,
    VisitStageChange,
    VitalSigns,
)
from clinical.models.prescriptions import allergy_conflict
from inventory.models import Item
from polmed.exceptions import ConflictError, RuleViolation
from polmed.web import add_domain_error, audit_reads, patient_data, require_perm, staff_page
from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment, AppointmentSlot, RouteStop

PATIENTS_PER_PAGE = 20
DOMAIN_ERRORS = (ConflictError, RuleViolation, ValidationError)


# --- Patients ----------------------------------------------------------------------------------


@staff_page("clinical.view_patient")
@patient_data
def patient_list(request):
    """Find a patient by name, SA ID, medical aid number or phone; twenty to a page.

    The search is POSTed, so names and ID numbers stay out of URLs, logs and browser history.
    """
    form = PatientSearchForm(request.POST if request.method == "POST" else None)
    term = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    patients = (
        Patient.objects.search(term).order_by("last_name", "first_name", "id") if term else Patient.objects.none()
    )
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.POST.get("page"))
    audit_reads(request, page.object_list)
    context = {"form": form, "term": term, "page_obj": page, "patients": page.object_list}
    return render(request, "clinical/patient_list.html", context)


def _similar_patients(data):
    """Registered patients with the same names and date of birth: a warning, not a refusal."""
    first, last, born = data.get("first_name"), data.get("last_name"), data.get("date_of_birth")
    if not (first and last and born):
        return []
    return list(Patient.objects.filter(first_name__iexact=first, last_name__iexact=last, date_of_birth=born)[:5])


@staff_page("clinical.add_patient")
@patient_data
def patient_register(request):
    """Register a patient, with what they report: conditions, allergies, medications."""
    booking = _booking_to_register(request)
    initial = (
        {"first_name": booking.first_name, "last_name": booking.last_name, "phone_number": booking.phone}
        if booking
        else {}
    )
    if booking and booking.sa_id_number:
        initial["id_number"] = booking.sa_id_number
    if booking and booking.medical_aid_number:
        initial.update(medical_aid_number=booking.medical_aid_number, is_palmed_member=True)
    form = PatientForm(request.POST or None, initial=initial)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        similar = _similar_patients(form.cleaned_data)
        if similar and not request.POST.get("confirm_new_person"):
            form = PatientForm(request.POST, similar=similar)
            form.is_valid()
            form.add_error(
                "confirm_new_person", "A patient with these names and date of birth exists; check before registering."
            )
        else:
            try:
                patient = services.register_patient(by=request.user, **form.service_fields())
            except ConflictError as exc:
                duplicate = _duplicate_of(form) if exc.code == "duplicate_patient" else None
                add_domain_error(form, exc)
            except (RuleViolation, ValidationError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"{patient.full_name} is registered.")
                if booking:
                    url = reverse("clinical:appointment-check-in", args=[booking.pk])
                    return redirect(f"{url}?patient={patient.pk}")
                return redirect("clinical:patient-detail", pk=patient.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "duplicate": duplicate, "booking": booking}
    return render(request, "clinical/patient_form.html", context, status=status)


def _booking_to_register(request):
    """The booking a clerk is registering a patient for (from check-in), if any and allowed."""
    pk = request.GET.get("appointment", "")
    if not pk.isdigit() or not request.user.has_perm("scheduling.view_appointment"):
        return None
    return Appointment.objects.filter(pk=pk).first()


@require_POST
@staff_page("clinical.add_patient")
def patient_register_check(request):
    """While the clerk types: is someone with this SA ID or medical aid number already registered?"""
    id_number = "".join((request.POST.get("id_number") or "").split())
    scheme_number = (request.POST.get("medical_aid_number") or "").upper().replace(" ", "")
    candidate = Patient(id_number=id_number or None, medical_aid_number=scheme_number or None)
    existing = candidate.duplicate_of()
    if existing is not None:
        audit_reads(request, [existing])
    response = render(request, "clinical/includes/duplicate_check.html", {"duplicate": existing})
    response["Cache-Control"] = "no-store"
    return response


def _duplicate_of(form):
    """The registered patient with the same SA ID or medical aid number (`Patient.duplicate_of`)."""
    data = form.cleaned_data
    candidate = Patient(
        id_number=data.get("id_number") or None, medical_aid_number=data.get("medical_aid_number") or None
    )
    candidate.medical_aid_number = (candidate.medical_aid_number or "").upper().replace(" ", "") or None
    return candidate.duplicate_of()


@staff_page("clinical.view_patient")
@patient_data
def patient_detail(request, pk: int):
    """Everything the team needs at a glance: who, allergies, conditions, visits, referrals, bookings."""
    patient = get_object_or_404(
        Patient.objects.prefetch_related("allergies", "chronic_conditions", "current_medications"), pk=pk
    )
    audit_reads(request, [patient])
    user = request.user
    visits = list(
        patient.visits.select_related("location", "route")
        .prefetch_related(Prefetch("diagnoses", queryset=Diagnosis.objects.order_by("rank", "id")))
        .order_by("-visit_date", "-id")[:20]
    )
    referrals = (
        list(patient.referrals.still_open().order_by("-created_at")) if user.has_perm("clinical.view_referral") else []
    )
    appointments = []
    if user.has_perm("scheduling.view_appointment"):
        appointments = list(_upcoming_appointments_for(patient))
    context = {
        "patient": patient,
        "visits": visits,
        "referrals": referrals,
        "appointments": appointments,
        "show_diagnoses": user.has_perm("clinical.view_diagnosis"),
    }
    return render(request, "clinical/patient_detail.html", context)


def _upcoming_appointments_for(patient):
    """Bookings from today on that are linked to this patient, or carry their SA ID or scheme number
    (the identifiers check-in matches a booking on)."""
    match = Q(patient_link__patient=patient)
    if patient.id_number:
        match |= Q(sa_id_number=patient.id_number)
    if patient.medical_aid_number:
        match |= Q(medical_aid_number=patient.medical_aid_number)
    return (
        Appointment.objects.filter(match, slot__stop__date__gte=timezone.localdate())
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("slot__stop__location")
        .distinct()
        .order_by("slot__stop__date", "slot__start_time")[:10]
    )


# --- Opening a visit, check-in, booking for a patient ----------------------------------------------


def _todays_stops():
    return RouteStop.objects.on(timezone.localdate()).filter(is_blocked=False).select_related("route", "location")


@staff_page("clinical.add_visit")
@patient_data
def visit_open(request, pk: int):
    """Registration: confirm the patient, capture the chief complaint, open the visit at a stop."""
    patient = get_object_or_404(Patient.objects.prefetch_related("allergies"), pk=pk)
    form = OpenVisitForm(request.POST or None, stops=_todays_stops())
    if request.method == "POST" and form.is_valid():
        stop = form.cleaned_data["stop"]
        try:
            visit = services.open_visit(
                patient=patient,
                by=request.user,
                visit_type=form.cleaned_data["visit_type"],
                chief_complaint=form.cleaned_data["chief_complaint"],
                route=stop.route if stop else None,
                location=stop.location if stop else None,
            )
        except DOMAIN_ERRORS as exc:
            add_domain_error(form, exc, fields={"route": "stop", "location": "stop"})
        else:
            messages.success(request, f"Visit opened for {patient.full_name}.")
            return redirect("clinical:visit-detail", pk=visit.pk)
    audit_reads(request, [patient])
    return render(
        request, "clinical/visit_open.html", {"patient": patient, "form": form}, status=400 if form.errors else 200
    )


@staff_page("scheduling.change_appointment", "clinical.add_visit", "clinical.view_patient")
@patient_data
def appointment_check_in(request, appointment_id: int):
    """Check a booked person in: confirm (or register) their patient record; the service checks in
    and opens the visit in one go."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("slot__stop__route", "slot__stop__location"), pk=appointment_id
    )
    stop = appointment.slot.stop
    if request.method == "POST":
        patient = get_object_or_404(Patient, pk=request.POST.get("patient"))
        try:
            visit = services.check_in(appointment=appointment, by=request.user, patient=patient)
        except DOMAIN_ERRORS as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
            return redirect("scheduling:stop-appointments", stop_id=stop.pk)
        messages.success(request, f"{patient.full_name} is checked in; the visit is open.")
        return redirect("clinical:visit-detail", pk=visit.pk)
    if request.GET.get("patient"):
        candidates = list(Patient.objects.filter(pk=request.GET["patient"]))
    else:
        # The patient the booking names (its link, SA ID or scheme number) first, then look-alikes.
        named = services.find_patient_for(appointment)
        lookalikes = Patient.objects.search(appointment.phone) | Patient.objects.search(
            f"{appointment.first_name} {appointment.last_name}"
        )
        if named is not None:
            lookalikes = lookalikes.exclude(pk=named.pk)
        candidates = ([named] if named else []) + list(lookalikes.distinct().order_by("last_name", "first_name")[:9])
    audit_reads(request, candidates)
    register_url = f"{reverse('clinical:patient-register')}?appointment={appointment.pk}"
    context = {"appointment": appointment, "candidates": candidates, "register_url": register_url}
    return render(request, "clinical/check_in.html", context)


@staff_page("clinical.view_patient", "scheduling.add_appointment")
@patient_data
def book_for_patient(request, pk: int):
    """Book a registered patient into a free time (scheduling's booking rules, linked to the patient)."""
    patient = get_object_or_404(Patient, pk=pk)
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate() + datetime.timedelta(days=1)
    if request.method == "POST":
        slot = get_object_or_404(AppointmentSlot, pk=request.POST.get("slot"))
        try:
            appointment = services.book_for_patient(patient=patient, slot=slot, by=request.user)
        except (ConflictError, RuleViolation) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Booked for {appointment.slot.stop.date:%d %b %Y} at {appointment.slot.start_time:%H:%M}; "
                f"reference {appointment.reference}.",
            )
            return redirect("clinical:patient-detail", pk=patient.pk)
    slots = (
        AppointmentSlot.objects.available()
        .filter(stop__date=day)
        .select_related("stop__location", "stop__route")
        .order_by("stop__location__province", "stop__location__name", "start_time")
    )
    if patient.province:
        slots = slots.filter(stop__location__province=patient.province)
    stops = OrderedDict()
    for slot in slots:
        stops.setdefault(slot.stop, []).append(slot)
    other_days = (
        AppointmentSlot.objects.available()
        .filter(stop__date__gte=timezone.localdate(), stop__date__lte=day + datetime.timedelta(days=14))
        .exclude(stop__date=day)
        .values_list("stop__date", flat=True)
        .distinct()
        .order_by("stop__date")
    )
    if patient.province:
        other_days = other_days.filter(stop__location__province=patient.province)
    audit_reads(request, [patient])
    context = {"patient": patient, "day": day, "stops": stops.items(), "other_days": other_days[:10]}
    return render(request, "clinical/book_for_patient.html", context)


# --- Today's clinic ----------------------------------------------------------------------------


@staff_page("clinical.view_visit")
@patient_data
def clinic(request, stop_id: int | None = None):
    """The queue for a clinic day by stage, longest waiting first, with the time in the stage."""
    today = timezone.localdate()
    stops = list(_todays_stops())
    stop = get_object_or_404(RouteStop.objects.select_related("route", "location"), pk=stop_id) if stop_id else None
    day = stop.date if stop else today
    visits = Visit.objects.queue(day=day, location=stop.location if stop else None).select_related("patient")
    if stop:
        visits = visits.filter(Q(route=stop.route) | Q(route__isnull=True))
    visits = list(visits)
    audit_reads(request, [visit.patient for visit in visits])
    now = timezone.now()
    board = [{"stage": stage, "visits": [v for v in visits if v.stage == stage.value]} for stage in VisitStage]
    for column in board:
        for visit in column["visits"]:
            visit.waiting_minutes = visit.waiting_seconds(now) // 60
    context = {"stops": stops, "stop": stop, "day": day, "board": board, "total": len(visits)}
    if request.headers.get("HX-Request"):
        return render(request, "clinical/includes/queue_board.html", context)
    return render(request, "clinical/clinic.html", context)


# --- The visit page -------------------------------------------------------------------------------

# The section each stage opens first; the others stay folded.
STAGE_SECTION = {
    VisitStage.REGISTRATION: "registration",
    VisitStage.ASSESSMENT: "vitals",
    VisitStage.CONSULTATION: "consultation",
    VisitStage.COUNSELING: "counseling",
    VisitStage.CLOSURE: "closure",
}


def _visit_queryset(user):
    prefetches = [
        "patient__allergies",
        "patient__chronic_conditions",
        "patient__current_medications",
        Prefetch("stage_changes", queryset=VisitStageChange.objects.select_related("changed_by")),
    ]
    if user.has_perm("clinical.view_vitalsigns"):
        prefetches.append(Prefetch("vital_signs", queryset=VitalSigns.objects.select_related("recorded_by")))
    if user.has_perm("clinical.view_nursingnote"):
        prefetches.append(Prefetch("nursing_notes", queryset=NursingNote.objects.select_related("recorded_by")))
    if user.has_perm("clinical.view_consultationnote"):
        prefetches.append(
            Prefetch("consultation_notes", queryset=ConsultationNote.objects.select_related("recorded_by"))
        )
    if user.has_perm("clinical.view_counselingnote"):
        prefetches.append(Prefetch("counseling_notes", queryset=CounselingNote.objects.select_related("recorded_by")))
    if user.has_perm("clinical.view_diagnosis"):
        prefetches.append(Prefetch("diagnoses", queryset=Diagnosis.objects.order_by("rank", "id")))
    if user.has_perm("clinical.view_prescription"):
        prefetches.append(
            Prefetch(
                "prescriptions",
                queryset=Prescription.objects.select_related("prescribed_by").prefetch_related(
                    Prefetch(
                        "items",
                        queryset=PrescriptionItem.objects.select_related("medicine").prefetch_related(
                            Prefetch(
                                "dispensations",
                                queryset=Dispensation.objects.select_related("batch", "dispensed_by"),
                            )
                        ),
                    )
                ),
            )
        )
    if user.has_perm("clinical.view_referral"):
        prefetches.append("referrals")
    return Visit.objects.select_related(
        "patient", "route__mobile_unit__stock_location", "location", "closed_by"
    ).prefetch_related(*prefetches)


def _medicines_with_stock(visit):
    """The active formulary, and how much of each medicine the visit's van holds (None: not stocked)."""
    medicines = Medicine.objects.filter(is_active=True).order_by("name", "strength")
    location = visit.stock_location
    if location is None:
        return medicines, {}
    on_hand = dict(
        Item.objects.with_available_quantity(location)
        .filter(pk__in=medicines.exclude(inventory_item=None).values("inventory_item"))
        .values_list("pk", "available_quantity")
    )
    stock = {
        pk: on_hand.get(item_id, 0)
        for pk, item_id in medicines.exclude(inventory_item=None).values_list("pk", "inventory_item")
    }
    return medicines, stock


# Which column of the vitals table each of the model's flags marks, and whether it is high or low.
FLAG_COLUMNS = {
    "severe_hypertension": ("bp", "high"),
    "hypertension": ("bp", "high"),
    "hypotension": ("bp", "low"),
    "tachycardia": ("heart_rate", "high"),
    "bradycardia": ("heart_rate", "low"),
    "fever": ("temperature", "high"),
    "hypothermia": ("temperature", "low"),
    "low_oxygen_saturation": ("oxygen_saturation", "low"),
    "high_blood_glucose": ("blood_glucose", "high"),
    "low_blood_glucose": ("blood_glucose", "low"),
    "obesity": ("bmi", "high"),
    "underweight": ("bmi", "low"),
}


def _vitals_rows(readings):
    rows = []
    for reading in readings:
        flags = reading.flags
        marks = {}
        for flag in flags:
            column, direction = FLAG_COLUMNS.get(flag, (None, None))
            if column:
                marks[column] = f"abnormal {direction}"
        rows.append(
            {
                "reading": reading,
                "marks": marks,
                "flags": [flag.replace("_", " ") for flag in flags],
            }
        )
    return rows


def _stage_steps(visit):
    """Each stage with where the visit stands on it: done, current, skipped or to come."""
    reached = {change.to_stage for change in visit.stage_changes.all()}
    current = STAGE_ORDER.index(VisitStage(visit.stage))
    steps = []
    for index, stage in enumerate(STAGE_ORDER):
        if stage.value == visit.stage and not visit.is_closed:
            state = "current"
        elif index <= current:
            # Every visit starts at registration; a later stage never entered was skipped.
            state = "done" if index == 0 or stage.value in reached else "skipped"
        else:
            state = "to come"
        steps.append({"stage": stage, "state": state})
    return steps


def _visit_context(request, visit, forms=None, focus=None):
    user = request.user
    forms = forms or {}
    is_open = not visit.is_closed
    allergies = list(visit.patient.allergies.all())
    medicines, stock = _medicines_with_stock(visit) if user.has_perm("clinical.add_prescription") else (None, {})

    def form(name, factory, perm, *, amendable=False):
        # A closed visit takes only notes, as attributed amendments (the service flags them).
        if not user.has_perm(perm) or not (is_open or amendable):
            return None
        return forms.get(name) or factory()

    prescribe_form = form(
        "prescribe",
        lambda: PrescriptionItemForm(
            medicines=medicines, stock=stock, can_override=user.has_perm("clinical.override_allergy")
        ),
        "clinical.add_prescription",
    )
    conflicts = []
    if prescribe_form is not None and allergies:
        conflicts = [(m, allergy_conflict(allergies, m)) for m in medicines]
        conflicts = [(m, warning) for m, warning in conflicts if warning]
    advance_to = [
        VisitStage(stage) for stage in visit.next_stages() if user.has_perm(f"clinical.advance_from_{visit.stage}")
    ]
    vitals = list(visit.vital_signs.all()) if user.has_perm("clinical.view_vitalsigns") else []
    diagnoses = list(visit.diagnoses.all()) if user.has_perm("clinical.view_diagnosis") else []
    has_primary = any(d.rank == "primary" for d in diagnoses)
    return {
        "visit": visit,
        "patient": visit.patient,
        "allergies": allergies,
        "is_open": is_open,
        "section": focus or STAGE_SECTION.get(VisitStage(visit.stage), "registration"),
        "stages": _stage_steps(visit),
        "vitals": _vitals_rows(vitals),
        "vitals_form": form("vitals", VitalSignsForm, "clinical.add_vitalsigns"),
        "nursing_form": form("nursing", NursingNoteForm, "clinical.add_nursingnote", amendable=True),
        "soap_form": form("soap", ConsultationNoteForm, "clinical.add_consultationnote", amendable=True),
        "diagnosis_form": form(
            "diagnosis",
            lambda: DiagnosisForm(initial={"rank": "secondary" if has_primary else "primary"}),
            "clinical.add_diagnosis",
        ),
        "prescribe_form": prescribe_form,
        "allergy_conflicts": conflicts,
        "counseling_form": form("counseling", CounselingNoteForm, "clinical.add_counselingnote", amendable=True),
        "referral_form": form("referral", ReferralForm, "clinical.add_referral"),
        "advance_to": advance_to,
        "can_close": is_open and visit.stage == VisitStage.CLOSURE and user.has_perm("clinical.close_visit"),
        "can_dispense": is_open and user.has_perm("clinical.add_dispensation"),
        "stock": stock,
    }


@staff_page("clinical.view_visit")
@patient_data
def visit_detail(request, pk: int):
    visit = get_object_or_404(_visit_queryset(request.user), pk=pk)
    audit_reads(request, [visit, visit.patient])
    return render(request, "clinical/visit_detail.html", _visit_context(request, visit))


def _visit_form_failed(request, visit, name, form, section):
    visit = _visit_queryset(request.user).get(pk=visit.pk)
    context = _visit_context(request, visit, forms={name: form}, focus=section)
    return render(request, "clinical/visit_detail.html", context, status=400)


def _record(request, pk, *, name, form_class, model, perm, section, done, fields=None):
    require_perm(request.user, perm)
    visit = get_object_or_404(Visit.objects.select_related("patient"), pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            services.record_on_visit(model, visit=visit, by=request.user, **form.cleaned_data)
        except DOMAIN_ERRORS as exc:
            add_domain_error(form, exc, fields=fields)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('clinical:visit-detail', args=[visit.pk])}#{section}")
    return _visit_form_failed(request, visit, name, form, section)


@require_POST
@staff_page("clinical.view_visit")
def visit_vitals(request, pk: int):
    return _record(
        request,
        pk,
        name="vitals",
        form_class=VitalSignsForm,
        model=VitalSigns,
        perm="clinical.add_vitalsigns",
        section="vitals",
        done="Vital signs recorded.",
    )


@require_POST
@staff_page("clinical.view_visit")
def visit_nursing_note(request, pk: int):
    return _record(
        request,
        pk,
        name="nursing",
        form_class=NursingNoteForm,
        model=NursingNote,
        perm="clinical.add_nursingnote",
        section="vitals",
        done="Nursing note saved.",
    )


@require_POST
@staff_page("clinical.view_visit")
def visit_soap(request, pk: int):
    return _record(
        request,
        pk,
        name="soap",
        form_class=ConsultationNoteForm,
        model=ConsultationNote,
        perm="clinical.add_consultationnote",
        section="consultation",
        done="SOAP note saved.",
    )


@require_POST
@staff_page("clinical.view_visit")
def visit_diagnosis(request, pk: int):
    return _record(
        request,
        pk,
        name="diagnosis",
        form_class=DiagnosisForm,
        model=Diagnosis,
        perm="clinical.add_diagnosis",
        section="consultation",
        done="Diagnosis added.",
    )


@require_POST
@staff_page("clinical.view_visit")
def visit_counseling_note(request, pk: int):
    return _record(
        request,
        pk,
        name="counseling",
        form_class=CounselingNoteForm,
        model=CounselingNote,
        perm="clinical.add_counselingnote",
        section="counseling",
        done="Counseling note saved.",
    )


@require_POST
@staff_page("clinical.view_visit")
def visit_prescribe(request, pk: int):
    """One medicine per submission; an allergy conflict comes back from the service with its reason."""
    require_perm(request.user, "clinical.add_prescription")
    visit = get_object_or_404(_visit_queryset(request.user), pk=pk)
    medicines, stock = _medicines_with_stock(visit)
    form = PrescriptionItemForm(
        request.POST,
        medicines=medicines,
        stock=stock,
        can_override=request.user.has_perm("clinical.override_allergy"),
    )
    if form.is_valid():
        item = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        try:
            services.prescribe(visit=visit, by=request.user, items=[item])
        except PermissionDenied as exc:
            form.add_error("medicine", str(exc) or "You may not prescribe this medicine.")
        except DOMAIN_ERRORS as exc:
            if isinstance(exc, ConflictError) and exc.code == "allergy":
                form.add_error("medicine", exc.message.split(" Prescribing it needs")[0])
                if "override_reason" in form.fields:
                    form.add_error("override_reason", "To prescribe it anyway, give the clinical reason here.")
                else:
                    form.add_error("medicine", "Only a doctor may prescribe it despite the allergy.")
            else:
                add_domain_error(form, exc, fields={"items": "medicine", "items.0.medicine": "medicine"})
        else:
            messages.success(request, "Prescribed.")
            return redirect(f"{reverse('clinical:visit-detail', args=[visit.pk])}#prescriptions")
    return _visit_form_failed(request, visit, "prescribe", form, "consultation")


@require_POST
@staff_page("clinical.view_visit")
def visit_refer(request, pk: int):
    require_perm(request.user, "clinical.add_referral")
    visit = get_object_or_404(Visit.objects.select_related("patient"), pk=pk)
    form = ReferralForm(request.POST)
    if form.is_valid():
        stage = VisitStage(visit.stage).label
        try:
            services.refer(patient=visit.patient, visit=visit, by=request.user, from_stage=stage, **form.cleaned_data)
        except DOMAIN_ERRORS as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Referral created.")
            return redirect(f"{reverse('clinical:visit-detail', args=[visit.pk])}#referrals")
    return _visit_form_failed(request, visit, "referral", form, "referrals")


@require_POST
@staff_page("clinical.view_visit")
def visit_advance(request, pk: int):
    """Move the visit on; the model checks the order and the role's right for the current stage."""
    visit = get_object_or_404(Visit, pk=pk)
    stage = request.POST.get("stage") or None
    try:
        visit.advance_to(stage, by=request.user)
    except (ConflictError, RuleViolation) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Moved to {visit.get_stage_display().lower()}.")
    return redirect("clinical:visit-detail", pk=visit.pk)


@require_POST
@staff_page("clinical.close_visit")
def visit_close(request, pk: int):
    visit = get_object_or_404(Visit, pk=pk)
    try:
        visit.close(by=request.user)
    except (ConflictError, RuleViolation) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Visit closed.")
    return redirect("clinical:visit-detail", pk=visit.pk)


@require_POST
@staff_page("clinical.view_visit", "clinical.add_dispensation")
def visit_dispense(request, pk: int, item_id: int):
    """Dispense what is outstanding on one prescribed item from the visit's van (first expiry, first out)."""
    item = get_object_or_404(
        PrescriptionItem.objects.select_related("prescription__visit", "medicine"), pk=item_id, prescription__visit=pk
    )
    try:
        services.dispense(prescription_item=item, by=request.user)
    except DOMAIN_ERRORS as exc:
        messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
    else:
        messages.success(request, f"Dispensed {item.medicine}.")
    return redirect(f"{reverse('clinical:visit-detail', args=[pk])}#dispensing")


@staff_page("clinical.view_diagnosis")
def icd10_search(request):
    """Search-as-you-type for ICD-10 codes: an HTML fragment of up to 15 matches."""
    term = (request.GET.get("code") or request.GET.get("q") or "").strip()
    results = icd10.search(term, limit=15) if len(term) >= 2 else []
    return render(request, "clinical/includes/icd10_results.html", {"results": results, "term": term})


# --- Referrals ---------------------------------------------------------------------------------


@staff_page("clinical.view_referral")
@patient_data
def referral_list(request):
    """Open referrals by status (or one status), most urgent and oldest first."""
    status = request.GET.get("status", "")
    referrals = Referral.objects.select_related("patient")
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    else:
        status = ""
        referrals = referrals.still_open()
    urgency_rank = Case(
        When(urgency=Urgency.EMERGENCY, then=Value(0)),
        When(urgency=Urgency.URGENT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    referrals = referrals.annotate(urgency_rank=urgency_rank).order_by("urgency_rank", "created_at", "id")
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    audit_reads(request, page.object_list)
    counts = dict(Referral.objects.values_list("status").annotate(n=Count("id")).order_by())
    context = {
        "page_obj": page,
        "referrals": page.object_list,
        "status": status,
        "statuses": [(s, counts.get(s.value, 0)) for s in ReferralStatus],
        "open_statuses": OPEN_REFERRAL_STATUSES,
        "query_string": f"status={status}" if status else "",
    }
    return render(request, "clinical/referral_list.html", context)


@staff_page("clinical.view_referral")
@patient_data
def referral_detail(request, pk: int):
    referral = get_object_or_404(
        Referral.objects.select_related("patient", "visit", "created_by").prefetch_related(
            "status_changes__changed_by"
        ),
        pk=pk,
    )
    allowed = sorted(REFERRAL_TRANSITIONS[ReferralStatus(referral.status)])
    status_form = ReferralStatusForm(allowed=allowed)
    feedback_form = ReferralFeedbackForm(initial={"feedback": referral.feedback})
    if request.method == "POST":
        require_perm(request.user, "clinical.change_referral")
        if "feedback" in request.POST:
            feedback_form = ReferralFeedbackForm(request.POST)
            if feedback_form.is_valid():
                try:
                    referral.record_feedback(feedback_form.cleaned_data["feedback"], by=request.user)
                except (ConflictError, RuleViolation) as exc:
                    add_domain_error(feedback_form, exc)
                else:
                    messages.success(request, "Feedback recorded.")
                    return redirect("clinical:referral-detail", pk=referral.pk)
        else:
            status_form = ReferralStatusForm(request.POST, allowed=allowed)
            if status_form.is_valid():
                data = status_form.cleaned_data
                try:
                    referral.move_to(
                        data["status"], by=request.user, note=data["note"], appointment_date=data["appointment_date"]
                    )
                except (ConflictError, RuleViolation) as exc:
                    add_domain_error(status_form, exc)
                else:
                    messages.success(request, f"Referral is now {referral.get_status_display().lower()}.")
                    return redirect("clinical:referral-detail", pk=referral.pk)
    audit_reads(request, [referral, referral.patient])
    context = {
        "referral": referral,
        "status_form": status_form if allowed else None,
        "feedback_form": feedback_form if referral.status != ReferralStatus.PENDING else None,
        "can_change": request.user.has_perm("clinical.change_referral"),
    }
    status = 400 if (status_form.errors or feedback_form.errors) else 200
    return render(request, "clinical/referral_detail.html", context, status=status)
