"""Forms for the public booking pages and the staff appointment pages. They translate input;
the rules (phone format, ID number, capacity, duplicates) live in `scheduling.services`."""

import datetime

from django import forms
from django.utils import timezone

from polmed.choices import Province
from scheduling.models import Location

BOOKING_HORIZON_DAYS = 90


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class FindSlotsForm(forms.Form):
    """Step 1 of public booking: where and when."""

    province = forms.ChoiceField(choices=[("", "Choose your province")] + Province.choices)
    date = forms.DateField(label="Date", widget=DateInput, help_text="The day you would like to come.")
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        empty_label="Any location",
        help_text="Choose a province first to see its locations.",
    )

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if locations is not None:
            self.fields["location"].queryset = locations
            self.fields["location"].help_text = ""

    def clean_date(self):
        date = self.cleaned_data["date"]
        today = timezone.localdate()
        if date < today:
            raise forms.ValidationError("Choose today or a later date.")
        if date > today + datetime.timedelta(days=BOOKING_HORIZON_DAYS):
            raise forms.ValidationError(f"Bookings open up to {BOOKING_HORIZON_DAYS} days ahead.")
        return date


class PersonFields(forms.Form):
    first_name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    phone = forms.CharField(
        label="Mobile phone number",
        max_length=20,
        help_text="For example 082 123 4567. You need it, with your reference, to check or cancel.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    sa_id_number = forms.CharField(
        label="South African ID number",
        max_length=13,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    medical_aid_number = forms.CharField(
        label="POLMED membership number",
        max_length=50,
        required=False,
        help_text="If you are a POLMED member.",
    )
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PublicBookingForm(PersonFields):
    consent = forms.BooleanField(
        label="I agree that POLMED may keep these details to manage my appointment.",
        error_messages={"required": "We need your consent to keep your booking."},
    )


class ManageBookingForm(forms.Form):
    reference = forms.CharField(
        label="Booking reference",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Mobile phone number",
        max_length=20,
        help_text="The number you booked with.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


class BlockDayForm(forms.Form):
    """Block a clinic day (a van breakdown): the reason is kept on the day and shown to staff."""

    reason = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Van broke down"}),
        help_text="Shown to staff on the day's bookings.",
    )
    notify_people = forms.BooleanField(
        label="Send everyone booked a message to reschedule",
        required=False,
        initial=True,
        help_text="Untick if the team will phone everyone instead.",
    )


class DayCapacityForm(forms.Form):
    max_appointments = forms.IntegerField(label="Appointments this day", min_value=1, max_value=1000)
