from django.urls import path

from clinical import views

app_name = "clinical"

urlpatterns = [
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/new/", views.patient_register, name="patient-register"),
    path("patients/new/check/", views.patient_register_check, name="patient-register-check"),
    path("patients/<int:pk>/", views.patient_detail, name="patient-detail"),
    path("patients/<int:pk>/visits/new/", views.visit_open, name="visit-open"),
    path("patients/<int:pk>/book/", views.book_for_patient, name="patient-book"),
    path("appointments/<int:appointment_id>/check-in/", views.appointment_check_in, name="appointment-check-in"),
    path("clinic/", views.clinic, name="clinic"),
    path("clinic/stops/<int:stop_id>/", views.clinic, name="clinic-stop"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/vitals/", views.visit_vitals, name="visit-vitals"),
    path("visits/<int:pk>/nursing-notes/", views.visit_nursing_note, name="visit-nursing-note"),
    path("visits/<int:pk>/soap-notes/", views.visit_soap, name="visit-soap"),
    path("visits/<int:pk>/diagnoses/", views.visit_diagnosis, name="visit-diagnosis"),
    path("visits/<int:pk>/prescriptions/", views.visit_prescribe, name="visit-prescribe"),
    path("visits/<int:pk>/counseling-notes/", views.visit_counseling_note, name="visit-counseling-note"),
    path("visits/<int:pk>/referrals/", views.visit_refer, name="visit-refer"),
    path("visits/<int:pk>/advance/", views.visit_advance, name="visit-advance"),
    path("visits/<int:pk>/close/", views.visit_close, name="visit-close"),
    path("visits/<int:pk>/dispense/<int:item_id>/", views.visit_dispense, name="visit-dispense"),
    path("icd10/", views.icd10_search, name="icd10-search"),
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
]
