"""Forms for the staff clinical pages. They translate input; the rules (ID checks, ranges,
allergy conflicts, stage order) live on the models and in `clinical.services`."""

from django import forms
from django.utils import timezone

from clinical.choices import ReferralStatus, ReferralType, Urgency, VisitType
from clinical.models import (
    ConsultationNote,
    CounselingNote,
    Diagnosis,
    Medicine,
    NursingNote,
    Patient,
    Referral,
    VitalSigns,
)
from scheduling.forms import DateInput


class LinesField(forms.CharField):
    """One item per line in a textarea; a list of strings in `cleaned_data`."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "One per line.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient",
        required=False,
        max_length=100,
        help_text="Name, SA ID number, medical aid number or phone number.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True}),
    )


class PatientForm(forms.ModelForm):
    """Registration: the spec's whole payload, including what the patient reports."""

    chronic_conditions = LinesField(label="Chronic conditions")
    allergies = LinesField(label="Allergies", help_text="One per line, e.g. Penicillin.")
    current_medications = LinesField(label="Current medications", help_text="One per line, e.g. Metformin 500mg.")
    confirm_new_person = forms.BooleanField(
        required=False,
        label="I have checked: this is a different person from the similar patient(s) above.",
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "id_number",
            "passport_number",
            "phone_number",
            "email",
            "physical_address",
            "province",
            "is_palmed_member",
            "medical_aid_number",
        ]
        widgets = {
            "date_of_birth": DateInput,
            "physical_address": forms.Textarea(attrs={"rows": 2}),
            "id_number": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "phone_number": forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        }
        labels = {"is_palmed_member": "POLMED member", "medical_aid_number": "Medical aid (POLMED) number"}
        help_texts = {
            "id_number": "13 digits. Foreign nationals: give a passport number instead.",
            "phone_number": "For example 082 123 4567.",
        }

    def __init__(self, *args, similar=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.similar = similar
        if not similar:
            del self.fields["confirm_new_person"]

    def validate_unique(self):
        # The registration service names the existing patient on a duplicate; let it answer.
        pass

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("id_number") and not cleaned.get("passport_number") and not self.has_error("id_number"):
            self.add_error("id_number", "Give an SA ID number, or a passport number for a foreign national.")
        return cleaned

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("confirm_new_person", None)
        return {
            "conditions": data.pop("chronic_conditions"),
            "allergies": data.pop("allergies"),
            "medications": data.pop("current_medications"),
            **data,
        }


class OpenVisitForm(forms.Form):
    visit_type = forms.ChoiceField(choices=VisitType.choices, initial=VisitType.WALK_IN)
    stop = forms.ModelChoiceField(
        label="Clinic",
        queryset=None,
        required=False,
        empty_label="Not at a route stop",
        help_text="Today's clinic days.",
    )
    chief_complaint = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, stops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stop"].queryset = stops
        self.fields["stop"].label_from_instance = lambda stop: f"{stop.location.name} ({stop.route.route_name})"


class VitalSignsForm(forms.ModelForm):
    class Meta:
        model = VitalSigns
        fields = [
            "systolic_bp",
            "diastolic_bp",
            "heart_rate",
            "respiratory_rate",
            "temperature",
            "oxygen_saturation",
            "weight",
            "height",
            "blood_glucose",
            "nursing_notes",
        ]
        labels = {
            "systolic_bp": "Systolic BP (mmHg)",
            "diastolic_bp": "Diastolic BP (mmHg)",
            "heart_rate": "Heart rate (beats/min)",
            "respiratory_rate": "Respiratory rate (breaths/min)",
            "temperature": "Temperature (°C)",
            "oxygen_saturation": "SpO₂ (%)",
            "weight": "Weight (kg)",
            "height": "Height (cm)",
            "blood_glucose": "Blood glucose (mg/dL)",
        }
        help_texts = {"blood_glucose": "mg/dL; 1 mmol/L = 18 mg/dL."}
        widgets = {"nursing_notes": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        # The service validates the reading against the model's ranges; the form only parses numbers.
        pass


class ConsultationNoteForm(forms.ModelForm):
    class Meta:
        model = ConsultationNote
        fields = ["subjective", "objective", "assessment", "plan"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}

    def _post_clean(self):
        pass


class NursingNoteForm(forms.ModelForm):
    class Meta:
        model = NursingNote
        fields = ["text"]
        labels = {"text": "Nursing note"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass


class CounselingNoteForm(forms.ModelForm):
    class Meta:
        model = CounselingNote
        fields = ["text"]
        labels = {"text": "Counseling note"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass


class DiagnosisForm(forms.ModelForm):
    class Meta:
        model = Diagnosis
        fields = ["code", "rank", "notes"]
        labels = {"code": "ICD-10 code"}
        help_texts = {"code": "Type a code or words (e.g. E11.9 or diabetes) and pick from the list."}
        widgets = {
            "code": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def _post_clean(self):
        pass


class PrescriptionItemForm(forms.Form):
    medicine = forms.ModelChoiceField(queryset=Medicine.objects.none())
    dose = forms.CharField(max_length=60, help_text="e.g. 1 tablet")
    frequency = forms.CharField(max_length=60, help_text="e.g. three times a day")
    duration = forms.CharField(max_length=60, required=False, help_text="e.g. 7 days")
    quantity = forms.IntegerField(min_value=1, max_value=1000, help_text="Units to dispense.")
    instructions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        required=False,
        label="Allergy override reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when prescribing despite a recorded allergy (doctors only).",
    )

    def __init__(self, *args, medicines, stock=None, can_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        stock = stock or {}
        self.fields["medicine"].queryset = medicines

        def label(medicine):
            on_hand = stock.get(medicine.pk)
            return f"{medicine} — {'in van: ' + str(on_hand) if on_hand is not None else 'not stocked in van'}"

        self.fields["medicine"].label_from_instance = label
        if not can_override:
            del self.fields["override_reason"]


class ReferralForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["referral_type", "external_provider", "department", "reason", "urgency", "appointment_date"]
        widgets = {"appointment_date": DateInput, "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral_type"].initial = ReferralType.EXTERNAL
        self.fields["urgency"].initial = Urgency.ROUTINE

    def _post_clean(self):
        pass


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=())
    appointment_date = forms.DateField(required=False, widget=DateInput, help_text="When an appointment is booked.")
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, ReferralStatus(s).label) for s in allowed]


class ReferralFeedbackForm(forms.Form):
    feedback = forms.CharField(label="Feedback from the receiving provider", widget=forms.Textarea(attrs={"rows": 3}))


class BookForPatientForm(forms.Form):
    date = forms.DateField(widget=DateInput, initial=timezone.localdate)
