from django.urls import re_path

from clinical.api import views
from polmed.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register(r"patients/(?P<patient_id>[0-9]+)/visits", views.PatientVisitViewSet, basename="patient-visit")
router.register(r"patients/(?P<patient_id>[0-9]+)/referrals", views.PatientReferralViewSet, basename="patient-referral")
router.register(
    r"patients/(?P<patient_id>[0-9]+)/appointments", views.PatientAppointmentViewSet, basename="patient-appointment"
)
router.register("visits", views.VisitViewSet, basename="visit")
router.register(r"visits/(?P<visit_id>[0-9]+)/vital-signs", views.VitalSignsViewSet, basename="visit-vital-signs")
router.register(r"visits/(?P<visit_id>[0-9]+)/soap-notes", views.ConsultationNoteViewSet, basename="visit-soap-note")
router.register(r"visits/(?P<visit_id>[0-9]+)/nursing-notes", views.NursingNoteViewSet, basename="visit-nursing-note")
router.register(
    r"visits/(?P<visit_id>[0-9]+)/counseling-notes", views.CounselingNoteViewSet, basename="visit-counseling-note"
)
router.register(r"visits/(?P<visit_id>[0-9]+)/diagnoses", views.DiagnosisViewSet, basename="visit-diagnosis")
router.register(r"visits/(?P<visit_id>[0-9]+)/prescriptions", views.PrescriptionViewSet, basename="visit-prescription")
router.register("prescription-items", views.PrescriptionItemViewSet, basename="prescription-item")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("formulary", views.MedicineViewSet, basename="medicine")

urlpatterns = [
    re_path(r"^icd10/?$", views.Icd10SearchView.as_view(), name="icd10-search"),
    re_path(
        r"^appointments/(?P<pk>[0-9]+)/check-in/?$", views.AppointmentCheckInView.as_view(), name="appointment-check-in"
    ),
    *router.urls,
]
