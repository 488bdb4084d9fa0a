"""Clinical records: patients, visits and what is recorded during them."""

from auditlog.registry import auditlog

from .appointments import PatientAppointment
from .patients import Allergy, ChronicCondition, CurrentMedication, Patient
from .prescriptions import Dispensation, Medicine, Prescription, PrescriptionItem
from .records import ConsultationNote, CounselingNote, Diagnosis, NursingNote, VitalSigns
from .referrals import Referral, ReferralStatusChange
from .visits import Visit, VisitStageChange

__all__ = [
    "Allergy",
    "ChronicCondition",
    "ConsultationNote",
    "CounselingNote",
    "CurrentMedication",
    "Dispensation",
    "Diagnosis",
    "Medicine",
    "NursingNote",
    "Patient",
    "PatientAppointment",
    "Prescription",
    "PrescriptionItem",
    "Referral",
    "ReferralStatusChange",
    "Visit",
    "VisitStageChange",
    "VitalSigns",
]

# POPIA: every change to a patient's record is in the audit trail.
for _model in (
    Patient,
    ChronicCondition,
    Allergy,
    CurrentMedication,
    Visit,
    VisitStageChange,
    VitalSigns,
    ConsultationNote,
    NursingNote,
    CounselingNote,
    Diagnosis,
    Medicine,
    Prescription,
    PrescriptionItem,
    Dispensation,
    Referral,
    ReferralStatusChange,
    PatientAppointment,
):
    auditlog.register(_model)
