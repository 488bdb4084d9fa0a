from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from clinical import icd10, services
from clinical.api import serializers as s
from clinical.choices import OPEN_REFERRAL_STATUSES, ReferralStatus, VisitStage
from clinical.models import (
    ConsultationNote,
    CounselingNote,
    Diagnosis,
    Dispensation,
    Medicine,
    NursingNote,
    Patient,
    PatientAppointment,
    Prescription,
    PrescriptionItem,
    Referral,
    Visit,
    VisitStageChange,
    VitalSigns,
)
from polmed.api import created, success
from polmed.audit import ReadAuditMixin, client_address, log_reads
from scheduling.models import Appointment


class NoStoreMixin:
    """POPIA: responses carrying patient data must not be kept by browsers or proxies."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)
        return response


class ClinicalViewSetMixin(NoStoreMixin, ReadAuditMixin):
    """Every clinical viewset: reads are audit-logged per record, nothing is cached."""


def _visit_queryset():
    return Visit.objects.select_related("patient", "location", "route").prefetch_related(
        Prefetch("stage_changes", queryset=VisitStageChange.objects.select_related("changed_by"))
    )


PATIENT_LIST_PREFETCH = ("chronic_conditions", "allergies", "current_medications")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "search", str, description="Name prefix (first, last or both), SA ID, medical aid number or phone."
            )
        ]
    )
)
class PatientViewSet(
    ClinicalViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patients: register, find, read and correct. Every record returned is audit-logged."""

    queryset = Patient.objects.prefetch_related(*PATIENT_LIST_PREFETCH)
    serializer_class = s.PatientSerializer
    filter_backends = []

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            qs = qs.search(self.request.query_params.get("search", ""))
        return qs

    def perform_create(self, serializer):
        fields, lists = serializer.split(dict(serializer.validated_data))
        serializer.instance = services.register_patient(by=self.request.user, **fields, **lists)

    def perform_update(self, serializer):
        fields, lists = serializer.split(dict(serializer.validated_data))
        serializer.instance = services.update_patient(serializer.instance, by=self.request.user, **fields, **lists)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        patient = Patient.objects.prefetch_related(*PATIENT_LIST_PREFETCH).get(pk=serializer.instance.pk)
        return created(s.PatientSerializer(patient).data, message="Patient created successfully")

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        patient = Patient.objects.prefetch_related(*PATIENT_LIST_PREFETCH).get(pk=kwargs["pk"])
        response.data = s.PatientSerializer(patient).data
        return response


class PatientChildMixin(ClinicalViewSetMixin):
    """Resources reached through a patient: /api/patients/{patient_id}/..."""

    def get_patient(self) -> Patient:
        if not hasattr(self, "_patient"):
            self._patient = get_object_or_404(Patient, pk=self.kwargs["patient_id"])
        return self._patient


class PatientVisitViewSet(PatientChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A patient's visits, newest first; POST opens a new one at registration."""

    queryset = _visit_queryset()
    serializer_class = s.VisitSerializer
    filter_backends = []

    def get_queryset(self):
        return super().get_queryset().filter(patient=self.get_patient())

    def get_serializer_class(self):
        return s.VisitCreateSerializer if self.action == "create" else s.VisitSerializer

    @extend_schema(request=s.VisitCreateSerializer, responses={201: s.VisitCreatedSerializer})
    def create(self, request, patient_id=None):
        serializer = s.VisitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = services.open_visit(patient=self.get_patient(), by=request.user, **serializer.validated_data)
        return created({"visit_id": visit.pk}, message="Visit created successfully")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("date", str, description="Clinic day, YYYY-MM-DD (default: today)."),
            OpenApiParameter("stage", str, enum=VisitStage.values),
            OpenApiParameter("location", int, description="Location id."),
            OpenApiParameter("include_closed", bool, description="Also list closed visits (default: open only)."),
        ]
    )
)
class VisitViewSet(
    ClinicalViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Visits. The list is a clinic's queue for one day, longest waiting in its stage first."""

    queryset = _visit_queryset()
    serializer_class = s.VisitSerializer
    filter_backends = []
    action_permissions = {"advance": ["clinical.view_visit"], "close": ["clinical.close_visit"]}

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        params = self.request.query_params
        day = parse_date(params["date"]) if params.get("date") else timezone.localdate()
        if day is None:
            raise ValidationError({"date": ["Use the YYYY-MM-DD format."]})
        stage = params.get("stage") or None
        if stage and stage not in VisitStage.values:
            raise ValidationError({"stage": [f"Choose one of: {', '.join(VisitStage.values)}."]})
        location = params.get("location") or None
        if location and not location.isdigit():
            raise ValidationError({"location": ["Give a location id."]})
        include_closed = params.get("include_closed", "").lower() in ("1", "true", "yes")
        return qs.queue(day=day, stage=stage, location=location, include_closed=include_closed)

    def perform_update(self, serializer):
        serializer.instance.ensure_open()
        serializer.save()

    @extend_schema(request=s.AdvanceSerializer, responses={200: s.VisitSerializer})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """Move the visit one stage on (or from consultation straight to closure), as the role allows."""
        visit = self.get_object()
        serializer = s.AdvanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit.advance_to(serializer.validated_data.get("stage"), by=request.user)
        visit = self.get_queryset().get(pk=visit.pk)
        return success(s.VisitSerializer(visit).data, message=f"Visit moved to {visit.get_stage_display()}")

    @extend_schema(request=None, responses={200: s.VisitSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a visit at the closure stage; it cannot be edited afterwards."""
        visit = self.get_object()
        visit.close(by=request.user)
        visit = self.get_queryset().get(pk=visit.pk)
        return success(s.VisitSerializer(visit).data, message="Visit closed")


class VisitRecordViewSet(
    ClinicalViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Records on one visit (/api/visits/{visit_id}/...): list, read one, add one."""

    filter_backends = []
    created_message = "Record created successfully"

    def get_visit(self) -> Visit:
        if not hasattr(self, "_visit"):
            self._visit = get_object_or_404(Visit.objects.select_related("patient"), pk=self.kwargs["visit_id"])
        return self._visit

    def get_queryset(self):
        return super().get_queryset().filter(visit=self.get_visit()).select_related("recorded_by")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.record_on_visit(
            self.queryset.model, visit=self.get_visit(), by=request.user, **serializer.validated_data
        )
        return created(self.get_serializer(record).data, message=self.created_message)


class VitalSignsViewSet(VisitRecordViewSet):
    """Vital signs of a visit, with BMI, glucose in both units and abnormal values flagged."""

    queryset = VitalSigns.objects.all()
    serializer_class = s.VitalSignsSerializer
    created_message = "Vital signs recorded successfully"


class ConsultationNoteViewSet(VisitRecordViewSet):
    """Doctors' SOAP notes."""

    queryset = ConsultationNote.objects.all()
    serializer_class = s.ConsultationNoteSerializer
    created_message = "SOAP note recorded successfully"


class NursingNoteViewSet(VisitRecordViewSet):
    """Nurses' assessment notes."""

    queryset = NursingNote.objects.all()
    serializer_class = s.NursingNoteSerializer
    created_message = "Nursing note recorded successfully"


class CounselingNoteViewSet(VisitRecordViewSet):
    """Social workers' counseling notes (clinical staff only)."""

    queryset = CounselingNote.objects.all()
    serializer_class = s.CounselingNoteSerializer
    created_message = "Counseling note recorded successfully"


class DiagnosisViewSet(VisitRecordViewSet):
    """ICD-10 diagnoses of a visit: one primary, any number secondary."""

    queryset = Diagnosis.objects.all()
    serializer_class = s.DiagnosisSerializer
    created_message = "Diagnosis recorded successfully"


class PrescriptionViewSet(VisitRecordViewSet):
    """Prescriptions of a visit. Items in a drug class the patient is allergic to are refused (409)
    unless a doctor gives an `override_reason`."""

    queryset = Prescription.objects.all()
    serializer_class = s.PrescriptionSerializer
    created_message = "Prescription created successfully"

    def get_queryset(self):
        return (
            Prescription.objects.filter(visit=self.get_visit())
            .select_related("prescribed_by")
            .prefetch_related(
                Prefetch("items", queryset=PrescriptionItem.objects.select_related("medicine")),
                Prefetch("items__dispensations", queryset=Dispensation.objects.select_related("batch", "dispensed_by")),
            )
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prescription = services.prescribe(
            visit=self.get_visit(), by=request.user, items=data["items"], notes=data.get("notes", "")
        )
        return created(
            self.get_serializer(self.get_queryset().get(pk=prescription.pk)).data, message=self.created_message
        )


class PrescriptionItemViewSet(ClinicalViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One medicine on a prescription; nurses and doctors dispense it from the visit's van."""

    queryset = PrescriptionItem.objects.select_related("medicine").prefetch_related(
        Prefetch("dispensations", queryset=Dispensation.objects.select_related("batch", "dispensed_by"))
    )
    serializer_class = s.PrescriptionItemSerializer
    filter_backends = []
    action_permissions = {"dispense": ["clinical.view_prescriptionitem", "clinical.add_dispensation"]}

    @extend_schema(
        request=s.DispenseSerializer,
        responses={201: s.DispensationSerializer(many=True), 409: OpenApiResponse(description="Not enough stock")},
    )
    @action(detail=True, methods=["post"])
    def dispense(self, request, pk=None):
        """Dispense the item (or part of it) from the visit's van, first expiry first out.
        On a shortage: 409 and nothing recorded."""
        item = get_object_or_404(PrescriptionItem.objects.select_related("prescription"), pk=pk)
        serializer = s.DispenseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = services.dispense(prescription_item=item, by=request.user, **serializer.validated_data)
        rows = Dispensation.objects.filter(pk__in=[r.pk for r in rows]).select_related("batch", "dispensed_by")
        return created(s.DispensationSerializer(rows, many=True).data, message="Medicine dispensed successfully")


class PatientReferralViewSet(PatientChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A patient's referrals; POST refers the patient on (starting as pending)."""

    queryset = Referral.objects.select_related("patient").prefetch_related("status_changes")
    serializer_class = s.ReferralSerializer
    filter_backends = []

    def get_queryset(self):
        return super().get_queryset().filter(patient=self.get_patient())

    def create(self, request, patient_id=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = services.refer(patient=self.get_patient(), by=request.user, **serializer.validated_data)
        referral = self.get_queryset().get(pk=referral.pk)
        return created(self.get_serializer(referral).data, message="Referral created successfully")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="One status, or `open` (the default: pending, sent, appointment booked) or `all`.",
            ),
            OpenApiParameter("urgency", str),
        ]
    )
)
class ReferralViewSet(ClinicalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Referrals across patients, to follow up: by default the ones still open, most urgent first."""

    queryset = Referral.objects.select_related("patient").prefetch_related("status_changes")
    serializer_class = s.ReferralSerializer
    filter_backends = []
    action_permissions = {"status": ["clinical.change_referral"], "feedback": ["clinical.change_referral"]}

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        status = self.request.query_params.get("status") or "open"
        if status == "open":
            qs = qs.filter(status__in=OPEN_REFERRAL_STATUSES)
        elif status in ReferralStatus.values:
            qs = qs.filter(status=status)
        elif status != "all":
            raise ValidationError({"status": [f"Choose open, all or one of: {', '.join(ReferralStatus.values)}."]})
        urgency = self.request.query_params.get("urgency")
        if urgency:
            qs = qs.filter(urgency=urgency)
        return qs

    @extend_schema(request=s.ReferralStatusSerializer, responses={200: s.ReferralSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Move the referral along its trail: pending -> sent -> appointment booked -> attended
        (or cancelled / no-show)."""
        referral = self.get_object()
        serializer = s.ReferralStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral.move_to(by=request.user, **serializer.validated_data)
        return success(s.ReferralSerializer(self.get_queryset().get(pk=pk)).data, message="Referral updated")

    @extend_schema(request=s.ReferralFeedbackSerializer, responses={200: s.ReferralSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """Record what the receiving provider reported back."""
        referral = self.get_object()
        serializer = s.ReferralFeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral.record_feedback(serializer.validated_data["feedback"], by=request.user)
        return success(s.ReferralSerializer(self.get_queryset().get(pk=pk)).data, message="Feedback recorded")


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("search", str, description="Name or ATC code prefix.")])
)
class MedicineViewSet(
    NoStoreMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """The formulary: Essential Medicines List (PHC) medicines with strength, form and ATC code."""

    queryset = Medicine.objects.all()
    serializer_class = s.MedicineSerializer
    filter_backends = []

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            qs = qs.search(self.request.query_params.get("search", ""))
        return qs


class Icd10SearchView(NoStoreMixin, APIView):
    """Look up WHO ICD-10 codes by code prefix or by words of the description."""

    required_permissions = {"GET": ["clinical.view_diagnosis"]}

    @extend_schema(
        parameters=[OpenApiParameter("search", str, required=True, description='e.g. "J45", "e11.9" or "asthma".')],
        responses={200: s.Icd10Serializer(many=True), 400: OpenApiResponse(description="No search term")},
    )
    def get(self, request):
        term = request.query_params.get("search", "").strip()
        if len(term) < 2:
            raise ValidationError({"search": ["Give at least two characters of a code or description."]})
        return success(icd10.search(term))


class PatientAppointmentViewSet(PatientChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A patient's bookings; POST {slot} books the patient into a slot (staff booking)."""

    queryset = PatientAppointment.objects.select_related(
        "appointment__slot__stop__route", "appointment__slot__stop__location"
    )
    serializer_class = s.PatientAppointmentSerializer
    filter_backends = []
    action_permissions = {"create": ["clinical.add_patientappointment", "scheduling.add_appointment"]}

    def get_queryset(self):
        return super().get_queryset().filter(patient=self.get_patient())

    def create(self, request, patient_id=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.book_for_patient(
            patient=self.get_patient(), slot=serializer.validated_data["slot"], by=request.user
        )
        link = self.get_queryset().get(appointment=appointment)
        return created(self.get_serializer(link).data, message="Appointment booked successfully")


class AppointmentCheckInView(NoStoreMixin, APIView):
    """The booked person has arrived: link a patient, mark the booking checked in and open a visit
    at registration for the stop's route and location."""

    required_permissions = {"POST": ["scheduling.change_appointment", "clinical.add_visit"]}

    @extend_schema(
        request=s.CheckInSerializer,
        responses={201: s.CheckInResultSerializer, 409: OpenApiResponse(description="Not today, or already in")},
    )
    def post(self, request, pk):
        appointment = get_object_or_404(
            Appointment.objects.select_related("slot__stop__route", "slot__stop__location"), pk=pk
        )
        serializer = s.CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = None
        if "registration" in serializer.validated_data:
            fields, lists = s.PatientSerializer().split(dict(serializer.validated_data["registration"]))
            registration = {**fields, **lists}
        visit = services.check_in(
            appointment=appointment,
            by=request.user,
            patient=serializer.validated_data.get("patient"),
            registration=registration,
        )
        log_reads([visit.patient], actor=request.user, remote_addr=client_address(request))
        return created(
            {
                "visit_id": visit.pk,
                "patient_id": visit.patient_id,
                "appointment_id": appointment.pk,
                "reference": appointment.reference,
            },
            message="Patient checked in",
        )
