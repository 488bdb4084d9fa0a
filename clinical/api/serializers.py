from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from clinical.choices import DiagnosisRank, ReferralStatus, VisitStage, VisitType
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
    ReferralStatusChange,
    Visit,
    VisitStageChange,
    VitalSigns,
)
from clinical.models.records import MG_DL_PER_MMOL_L, is_injury
from scheduling.models import AppointmentSlot, Location, Route


def _name(user) -> str | None:
    return (user.get_full_name() or user.email) if user else None


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class NameListField(serializers.ListField):
    """A list of strings in the API, rows of a related model in the database."""

    def __init__(self, *, attribute: str, **kwargs):
        self.attribute = attribute
        kwargs.setdefault("child", serializers.CharField(max_length=200))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)

    def to_representation(self, data):
        return [getattr(row, self.attribute) for row in data.all()]


class PatientSerializer(serializers.ModelSerializer):
    phone_number = PhoneNumberField(region="ZA", required=False, allow_blank=True)
    chronic_conditions = NameListField(attribute="name")
    allergies = NameListField(attribute="substance")
    current_medications = NameListField(attribute="name")
    allergy_classes = serializers.SerializerMethodField()
    age = serializers.IntegerField(read_only=True)

    class Meta:
        model = Patient
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "age",
            "gender",
            "id_number",
            "passport_number",
            "phone_number",
            "email",
            "physical_address",
            "province",
            "medical_aid_number",
            "is_palmed_member",
            "chronic_conditions",
            "allergies",
            "allergy_classes",
            "current_medications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Duplicates are a 409 naming the existing patient (services), not a 400.
        extra_kwargs = {"id_number": {"validators": []}, "medical_aid_number": {"validators": []}}

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_allergy_classes(self, patient):
        """The WHO ATC drug classes the recorded allergies rule out (e.g. J01C, penicillins)."""
        return sorted(patient.allergy_classes)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phone_number"] = str(instance.phone_number) if instance.phone_number else ""
        return data

    def split(self, validated):
        lists = {
            "conditions": validated.pop("chronic_conditions", None),
            "allergies": validated.pop("allergies", None),
            "medications": validated.pop("current_medications", None),
        }
        for key in ("id_number", "medical_aid_number"):
            if key in validated and not validated[key]:
                validated[key] = None
        return validated, lists


class PatientSummarySerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    age = serializers.IntegerField(read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "full_name", "date_of_birth", "age", "gender", "medical_aid_number"]


class VisitStageChangeSerializer(serializers.ModelSerializer):
    changed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = VisitStageChange
        fields = ["from_stage", "to_stage", "changed_by", "changed_by_name", "changed_at"]

    def get_changed_by_name(self, change) -> str | None:
        return _name(change.changed_by)


class VisitTypeField(serializers.ChoiceField):
    """Accepts the spec's "walk-in" spelling as well as "walk_in"."""

    def to_internal_value(self, data):
        return super().to_internal_value(str(data).strip().lower().replace("-", "_"))


class VisitCreateSerializer(serializers.Serializer):
    visit_date = serializers.DateField(required=False)
    visit_time = serializers.TimeField(required=False)
    visit_type = VisitTypeField(choices=VisitType.choices, default=VisitType.WALK_IN)
    chief_complaint = serializers.CharField(required=False, allow_blank=True, default="")
    route_id = serializers.PrimaryKeyRelatedField(
        queryset=Route.objects.all(), source="route", required=False, allow_null=True
    )
    location_id = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), source="location", required=False, allow_null=True
    )


class VisitCreatedSerializer(serializers.Serializer):
    visit_id = serializers.IntegerField()


class VisitSerializer(serializers.ModelSerializer):
    patient = PatientSummarySerializer(read_only=True)
    route_id = serializers.PrimaryKeyRelatedField(read_only=True, source="route")
    location_id = serializers.PrimaryKeyRelatedField(read_only=True, source="location")
    location_name = serializers.CharField(source="location.name", read_only=True, default=None)
    waiting_minutes = serializers.SerializerMethodField()
    is_closed = serializers.BooleanField(read_only=True)
    next_stages = serializers.ListField(child=serializers.CharField(), read_only=True)
    stage_changes = VisitStageChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "patient",
            "visit_date",
            "visit_time",
            "visit_type",
            "chief_complaint",
            "route_id",
            "location_id",
            "location_name",
            "stage",
            "stage_entered_at",
            "waiting_minutes",
            "next_stages",
            "is_closed",
            "closed_at",
            "stage_changes",
            "created_at",
        ]
        read_only_fields = [f for f in fields if f not in ("chief_complaint", "visit_time")]

    def get_waiting_minutes(self, visit) -> int:
        """Minutes spent in the current stage so far (until closing, for a closed visit)."""
        return visit.waiting_seconds() // 60


class AdvanceSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=VisitStage.choices, required=False, help_text="Defaults to the next stage.")


class RecordSerializer(serializers.ModelSerializer):
    """Base for what is recorded during a visit: who recorded it and when are read-only."""

    visit_id = serializers.IntegerField(read_only=True)
    recorded_by_name = serializers.SerializerMethodField()

    def get_recorded_by_name(self, record) -> str | None:
        return _name(record.recorded_by)


RECORD_FIELDS = ["id", "visit_id", "recorded_by", "recorded_by_name", "recorded_at"]


class VitalSignsSerializer(RecordSerializer):
    blood_glucose_unit = serializers.ChoiceField(
        choices=[("mg/dL", "mg/dL"), ("mmol/L", "mmol/L")],
        default="mg/dL",
        write_only=True,
        help_text="Unit of `blood_glucose` as sent; it is stored and returned in mg/dL (and mmol/L).",
    )
    temperature = serializers.DecimalField(max_digits=6, decimal_places=1, required=False, allow_null=True)
    weight = serializers.DecimalField(max_digits=7, decimal_places=1, required=False, allow_null=True)
    height = serializers.DecimalField(max_digits=6, decimal_places=1, required=False, allow_null=True)
    blood_glucose = serializers.DecimalField(max_digits=7, decimal_places=1, required=False, allow_null=True)
    bmi = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)
    blood_glucose_mg_dl = serializers.DecimalField(
        source="blood_glucose", max_digits=5, decimal_places=1, read_only=True
    )
    blood_glucose_mmol_l = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = VitalSigns
        fields = [
            *RECORD_FIELDS,
            "systolic_bp",
            "diastolic_bp",
            "heart_rate",
            "respiratory_rate",
            "temperature",
            "weight",
            "height",
            "oxygen_saturation",
            "blood_glucose",
            "blood_glucose_unit",
            "blood_glucose_mg_dl",
            "blood_glucose_mmol_l",
            "bmi",
            "flags",
            "nursing_notes",
        ]
        read_only_fields = RECORD_FIELDS
        extra_kwargs = {
            name: {"min_value": None, "max_value": None}
            for name in ("systolic_bp", "diastolic_bp", "heart_rate", "respiratory_rate", "oxygen_saturation")
        }

    def validate(self, attrs):
        unit = attrs.pop("blood_glucose_unit", "mg/dL")
        if unit == "mmol/L" and attrs.get("blood_glucose") is not None:
            attrs["blood_glucose"] = (attrs["blood_glucose"] * MG_DL_PER_MMOL_L).quantize(Decimal("0.1"))
        return attrs


class ConsultationNoteSerializer(RecordSerializer):
    class Meta:
        model = ConsultationNote
        fields = [*RECORD_FIELDS, "is_amendment", "subjective", "objective", "assessment", "plan"]
        read_only_fields = RECORD_FIELDS


class NursingNoteSerializer(RecordSerializer):
    class Meta:
        model = NursingNote
        fields = [*RECORD_FIELDS, "is_amendment", "text"]
        read_only_fields = RECORD_FIELDS


class CounselingNoteSerializer(RecordSerializer):
    class Meta:
        model = CounselingNote
        fields = [*RECORD_FIELDS, "is_amendment", "text"]
        read_only_fields = RECORD_FIELDS


class DiagnosisSerializer(RecordSerializer):
    code = serializers.CharField(max_length=10, help_text='WHO ICD-10 category or subcategory, e.g. "I10", "E11.9".')
    rank = serializers.ChoiceField(choices=DiagnosisRank.choices, default=DiagnosisRank.SECONDARY)
    requires_external_cause = serializers.SerializerMethodField()

    class Meta:
        model = Diagnosis
        fields = [*RECORD_FIELDS, "code", "description", "rank", "notes", "requires_external_cause"]
        read_only_fields = [*RECORD_FIELDS, "description"]

    def get_requires_external_cause(self, diagnosis) -> bool:
        """Injury codes (S00-T98) need an external-cause code (V01-Y98) on the same visit for a claim."""
        return is_injury(diagnosis.code)


class Icd10Serializer(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()


class MedicineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Medicine
        fields = ["id", "name", "strength", "form", "atc_code", "inventory_item", "is_active"]
        read_only_fields = ["name", "strength", "form", "atc_code"]


class DispensationSerializer(serializers.ModelSerializer):
    batch_number = serializers.CharField(source="batch.batch_number", read_only=True)
    expiry_date = serializers.DateField(source="batch.expiry_date", read_only=True)
    dispensed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Dispensation
        fields = [
            "id",
            "prescription_item",
            "batch",
            "batch_number",
            "expiry_date",
            "quantity",
            "dispensed_by",
            "dispensed_by_name",
            "dispensed_at",
        ]

    def get_dispensed_by_name(self, row) -> str | None:
        return _name(row.dispensed_by)


class DispenseSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=1, required=False, help_text="Defaults to everything still outstanding on the item."
    )


class PrescriptionItemSerializer(serializers.ModelSerializer):
    medicine_id = serializers.PrimaryKeyRelatedField(queryset=Medicine.objects.all(), source="medicine")
    medicine_name = serializers.CharField(source="medicine.__str__", read_only=True)
    atc_code = serializers.CharField(source="medicine.atc_code", read_only=True)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required, from a doctor, when the medicine's class matches a recorded allergy.",
    )
    quantity = serializers.IntegerField(min_value=1, max_value=10000)
    dispensations = DispensationSerializer(many=True, read_only=True)

    class Meta:
        model = PrescriptionItem
        fields = [
            "id",
            "medicine_id",
            "medicine_name",
            "atc_code",
            "dose",
            "frequency",
            "duration",
            "quantity",
            "quantity_dispensed",
            "instructions",
            "allergy_warning",
            "override_reason",
            "overridden_by",
            "dispensations",
        ]
        read_only_fields = ["quantity_dispensed", "allergy_warning", "overridden_by"]


class PrescriptionSerializer(serializers.ModelSerializer):
    visit_id = serializers.IntegerField(read_only=True)
    items = PrescriptionItemSerializer(many=True)
    prescribed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Prescription
        fields = ["id", "visit_id", "prescribed_by", "prescribed_by_name", "prescribed_at", "notes", "items"]
        read_only_fields = ["prescribed_by", "prescribed_at"]

    def get_prescribed_by_name(self, prescription) -> str | None:
        return _name(prescription.prescribed_by)

    def validate_items(self, items):
        if not items:
            raise serializers.ValidationError("A prescription needs at least one medicine.")
        return items


class ReferralStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferralStatusChange
        fields = ["from_status", "to_status", "changed_by", "changed_at", "note"]


class ReferralSerializer(serializers.ModelSerializer):
    patient = PatientSummarySerializer(read_only=True)
    visit_id = serializers.PrimaryKeyRelatedField(
        queryset=Visit.objects.all(), source="visit", required=False, allow_null=True
    )
    status_changes = ReferralStatusChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "patient",
            "visit_id",
            "referral_type",
            "from_stage",
            "external_provider",
            "department",
            "reason",
            "urgency",
            "appointment_date",
            "status",
            "feedback",
            "feedback_at",
            "status_changes",
            "created_at",
        ]
        read_only_fields = ["status", "feedback", "feedback_at", "created_at"]


class ReferralStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    appointment_date = serializers.DateField(required=False, allow_null=True)


class ReferralFeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField()


class CheckInRegistrationSerializer(PatientSerializer):
    """Details to register the arriving person; names, phone and ID default to the booking's."""

    class Meta(PatientSerializer.Meta):
        extra_kwargs = {
            **PatientSerializer.Meta.extra_kwargs,
            "first_name": {"required": False},
            "last_name": {"required": False},
        }


class CheckInSerializer(serializers.Serializer):
    patient_id = serializers.PrimaryKeyRelatedField(
        queryset=Patient.objects.all(), source="patient", required=False, allow_null=True
    )
    registration = CheckInRegistrationSerializer(
        required=False, help_text="Register the person now when no patient matches the booking."
    )


class CheckInResultSerializer(serializers.Serializer):
    visit_id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    appointment_id = serializers.IntegerField()
    reference = serializers.CharField()


class PatientAppointmentSerializer(serializers.ModelSerializer):
    appointment_id = serializers.IntegerField(source="appointment.pk", read_only=True)
    reference = serializers.CharField(source="appointment.reference", read_only=True)
    status = serializers.CharField(source="appointment.status", read_only=True)
    appointment_date = serializers.DateField(source="appointment.slot.stop.date", read_only=True)
    appointment_time = serializers.TimeField(source="appointment.slot.start_time", read_only=True)
    route_name = serializers.CharField(source="appointment.slot.stop.route.route_name", read_only=True)
    location_name = serializers.CharField(source="appointment.slot.stop.location.name", read_only=True)
    visit_id = serializers.IntegerField(read_only=True, allow_null=True)
    slot = serializers.PrimaryKeyRelatedField(queryset=AppointmentSlot.objects.all(), write_only=True)

    class Meta:
        model = PatientAppointment
        fields = [
            "id",
            "slot",
            "appointment_id",
            "reference",
            "status",
            "appointment_date",
            "appointment_time",
            "route_name",
            "location_name",
            "visit_id",
            "linked_at",
        ]
        read_only_fields = ["linked_at"]
