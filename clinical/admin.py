"""Back office for clinical records. Notes and what was dispensed are read-only here: clinical
entries are made by the clinic team through the API and staff pages, and amended by new entries."""

from django.contrib import admin

from clinical.formulary import link_to_stock_items
from clinical.models import (
    Allergy,
    ChronicCondition,
    ConsultationNote,
    CounselingNote,
    CurrentMedication,
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
from inventory.models import Item
from polmed.admin import AdministratorOnlyAdmin
from polmed.audit import client_address, log_reads


class ClinicalAdmin(AdministratorOnlyAdmin):
    """Clinical records in the back office are for administrators only: inventory managers hold
    no patient data, and the formulary is theirs through the API."""


class ReadOnlyAdminMixin:
    """Viewable by administrators, never added, changed or deleted through the back office."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class ChronicConditionInline(admin.TabularInline):
    model = ChronicCondition
    extra = 0


class AllergyInline(admin.TabularInline):
    model = Allergy
    extra = 0
    readonly_fields = ["atc_class"]


class CurrentMedicationInline(admin.TabularInline):
    model = CurrentMedication
    extra = 0


@admin.register(Patient)
class PatientAdmin(ClinicalAdmin):
    list_display = ["last_name", "first_name", "date_of_birth", "gender", "medical_aid_number", "province"]
    list_filter = ["province", "gender", "is_palmed_member"]
    search_fields = ["=id_number", "=medical_aid_number", "last_name", "first_name"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [ChronicConditionInline, AllergyInline, CurrentMedicationInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # POPIA: a back-office read of a patient record is audited like an API read.
        patient = self.get_object(request, object_id)
        if patient is not None:
            log_reads([patient], actor=request.user, remote_addr=client_address(request))
        return super().change_view(request, object_id, form_url, extra_context)


class VisitStageChangeInline(ReadOnlyInline):
    model = VisitStageChange
    fields = ["from_stage", "to_stage", "changed_by", "changed_at"]
    readonly_fields = fields


@admin.register(Visit)
class VisitAdmin(ClinicalAdmin):
    list_display = ["id", "patient", "visit_date", "stage", "visit_type", "location", "closed_at"]
    list_filter = ["stage", "visit_type", "visit_date"]
    list_select_related = ["patient", "location"]
    raw_id_fields = ["patient"]
    readonly_fields = ["stage", "stage_entered_at", "closed_at", "closed_by", "created_by", "created_at"]
    inlines = [VisitStageChangeInline]
    date_hierarchy = "visit_date"

    def has_delete_permission(self, request, obj=None):
        return False


class VisitRecordAdmin(ReadOnlyAdminMixin, ClinicalAdmin):
    list_display = ["id", "visit", "recorded_by", "recorded_at"]
    list_select_related = ["visit", "recorded_by"]
    date_hierarchy = "recorded_at"


for _model in (VitalSigns, ConsultationNote, NursingNote, CounselingNote):
    admin.site.register(_model, VisitRecordAdmin)


@admin.register(Diagnosis)
class DiagnosisAdmin(VisitRecordAdmin):
    list_display = ["code", "description", "rank", "visit", "recorded_by", "recorded_at"]
    search_fields = ["code", "description"]


@admin.register(Medicine)
class MedicineAdmin(ClinicalAdmin):
    list_display = ["name", "strength", "form", "atc_code", "inventory_item", "is_active"]
    list_filter = ["form", "is_active"]
    list_editable = ["is_active"]
    list_select_related = ["inventory_item"]
    search_fields = ["name", "atc_code"]
    raw_id_fields = ["inventory_item"]
    actions = ["link_stock_items"]

    @admin.action(description="Link unlinked entries to stock items by name")
    def link_stock_items(self, request, queryset):
        linked = link_to_stock_items(Medicine, Item)
        self.message_user(request, f"{linked} formulary entries linked to stock items.")


class PrescriptionItemInline(ReadOnlyInline):
    model = PrescriptionItem
    fields = ["medicine", "dose", "frequency", "duration", "quantity", "quantity_dispensed", "override_reason"]
    readonly_fields = fields


@admin.register(Prescription)
class PrescriptionAdmin(ReadOnlyAdminMixin, ClinicalAdmin):
    list_display = ["id", "visit", "prescribed_by", "prescribed_at"]
    list_select_related = ["visit", "prescribed_by"]
    inlines = [PrescriptionItemInline]


@admin.register(Dispensation)
class DispensationAdmin(ReadOnlyAdminMixin, ClinicalAdmin):
    list_display = ["id", "prescription_item", "batch", "quantity", "dispensed_by", "dispensed_at"]
    list_select_related = ["prescription_item__medicine", "batch__item", "batch__location", "dispensed_by"]
    date_hierarchy = "dispensed_at"


class ReferralStatusChangeInline(ReadOnlyInline):
    model = ReferralStatusChange
    fields = ["from_status", "to_status", "changed_by", "changed_at", "note"]
    readonly_fields = fields


@admin.register(Referral)
class ReferralAdmin(ClinicalAdmin):
    list_display = ["id", "patient", "referral_type", "external_provider", "department", "urgency", "status"]
    list_filter = ["status", "urgency", "referral_type"]
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "visit"]
    readonly_fields = ["status", "created_by", "created_at"]
    inlines = [ReferralStatusChangeInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PatientAppointment)
class PatientAppointmentAdmin(ReadOnlyAdminMixin, ClinicalAdmin):
    list_display = ["appointment", "patient", "visit", "linked_at"]
    list_select_related = ["appointment", "patient", "visit"]
