"""A visit from registration to closure, in a real browser, by the people who do each step."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role
from clinical.choices import VisitStage
from clinical.models import Diagnosis, Patient, PrescriptionItem, Visit, VitalSigns
from clinical.tests.factories import medicine, sa_id_number, stock_medicine
from inventory.models import Batch
from scheduling.tests.factories import RouteStopFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clinic_day(db):
    """A van at a police station today, and the shipped formulary (flushed by earlier transactional tests)."""
    from clinical.formulary import load_formulary
    from clinical.models import Medicine

    load_formulary(Medicine)
    stop = RouteStopFactory(date=timezone.localdate(), slots=False, location__name="Mamelodi Police Station")
    return stop


def test_a_visit_from_registration_to_closure(page, url, log_in, user_with_role, clinic_day, screenshot):
    import datetime

    clerk, nurse, doctor = (user_with_role(role) for role in (Role.CLERK, Role.NURSE, Role.DOCTOR))
    paracetamol = medicine("Paracetamol", "500 mg")
    stock_medicine(paracetamol, location=clinic_day.route.mobile_unit.stock_location, quantity=40, by=nurse)
    born = datetime.date(1988, 2, 29)

    # The clerk registers the patient, with the allergy she reports, and opens the visit.
    log_in(clerk, next_path="/patients/")
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("First name").fill("Nomsa")
    page.get_by_label("Last name").fill("Khumalo")
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Gender").select_option("Female")
    page.get_by_label("SA ID number").fill(sa_id_number(born, male=False, sequence=42))
    page.get_by_label("Phone number").fill("072 555 0101")
    page.get_by_label("Province").select_option("Gauteng")
    page.get_by_label("Allergies").fill("Penicillin")
    page.get_by_label("Chronic conditions").fill("Hypertension")
    screenshot("patient-registration")
    page.get_by_role("button", name="Register patient").click()

    expect(page.get_by_role("heading", name="Nomsa Khumalo")).to_be_visible()
    expect(page.get_by_text("Allergies: Penicillin")).to_be_visible()
    patient = Patient.objects.get(last_name="Khumalo")
    screenshot("patient-page")
    page.get_by_role("link", name="Open a visit").click()
    page.get_by_label("Clinic").select_option(label=f"Mamelodi Police Station ({clinic_day.route.route_name})")
    page.get_by_label("Chief complaint").fill("Headache and dizziness for three days")
    page.get_by_role("button", name="Open visit").click()
    expect(page.get_by_text("Visit opened for Nomsa Khumalo")).to_be_visible()
    visit = Visit.objects.get(patient=patient)
    page.get_by_role("button", name="Move to assessment").click()
    expect(page.get_by_text("Moved to assessment")).to_be_visible()

    # The nurse finds the patient in the queue and records vital signs; high values stand out.
    page.get_by_role("button", name="Log out").click()
    log_in(nurse, next_path="/clinic/")
    page.get_by_role("link", name="Mamelodi Police Station").click()
    screenshot("clinic-queue")
    page.get_by_role("link", name="Nomsa Khumalo").click()
    page.get_by_label("Systolic BP (mmHg)").fill("168")
    page.get_by_label("Diastolic BP (mmHg)").fill("104")
    page.get_by_label("Heart rate (beats/min)").fill("88")
    page.get_by_label("Temperature (°C)").fill("36.9")
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.locator("td.abnormal", has_text="168/104")).to_be_visible()
    assert VitalSigns.objects.get(visit=visit).recorded_by == nurse
    page.locator("#vitals").scroll_into_view_if_needed()
    screenshot("visit-vitals")
    page.get_by_role("button", name="Move to consultation").click()
    expect(page.get_by_text("Moved to consultation")).to_be_visible()

    # The doctor codes the diagnosis with search-as-you-type, prescribes, and sees the allergy check.
    page.get_by_role("button", name="Log out").click()
    log_in(doctor, next_path=f"/visits/{visit.pk}/")
    page.get_by_label("Subjective").fill("Headache for three days, no visual symptoms.")
    page.get_by_label("Assessment").fill("Uncontrolled hypertension.")
    page.get_by_role("button", name="Save SOAP note").click()
    expect(page.get_by_text("SOAP note saved")).to_be_visible()
    page.get_by_role("combobox", name="ICD-10 code").press_sequentially("hypertension", delay=20)
    suggestion = page.get_by_role("button", name="I10 Essential (primary) hypertension")
    expect(suggestion).to_be_visible()
    page.locator("#diagnoses").scroll_into_view_if_needed()
    screenshot("visit-icd10-search")
    page.get_by_role("button", name="I10 Essential (primary) hypertension").click()
    expect(page.get_by_role("combobox", name="ICD-10 code")).to_have_value("I10")
    page.get_by_role("button", name="Add diagnosis").click()
    expect(page.get_by_text("Diagnosis added")).to_be_visible()
    assert Diagnosis.objects.get(visit=visit).code == "I10"

    amoxicillin = medicine("Amoxicillin")
    expect(page.get_by_text("Allergy conflicts in the formulary")).to_be_visible()
    page.get_by_label("Medicine").select_option(value=str(amoxicillin.pk))
    page.get_by_label("Dose").fill("500 mg")
    page.get_by_label("Frequency").fill("three times a day")
    page.get_by_label("Quantity").fill("15")
    page.get_by_role("button", name="Prescribe").click()
    expect(page.locator("#id_medicine_error")).to_contain_text("The patient is allergic to Penicillin")
    assert not PrescriptionItem.objects.exists()

    page.get_by_label("Medicine").select_option(value=str(paracetamol.pk))
    page.get_by_label("Dose").fill("1 g")
    page.get_by_label("Frequency").fill("four times a day")
    page.get_by_label("Quantity").fill("20")
    page.get_by_label("Allergy override reason").fill("")
    page.get_by_role("button", name="Prescribe").click()
    expect(page.get_by_text("Prescribed.")).to_be_visible()
    item = PrescriptionItem.objects.get()
    assert item.medicine == paracetamol
    page.locator("#allergy-conflicts").scroll_into_view_if_needed()
    screenshot("visit-prescription")

    page.get_by_role("button", name="Skip counseling: to closure").click()
    expect(page.get_by_text("Moved to closure")).to_be_visible()
    page.get_by_role("button", name=f"Dispense {paracetamol}").click()
    expect(page.get_by_text(f"Dispensed {paracetamol}")).to_be_visible()
    item.refresh_from_db()
    assert item.quantity_dispensed == 20
    assert Batch.objects.get().quantity == 20
    page.get_by_role("button", name="Close visit").click()

    expect(page.get_by_text("This visit is closed and read-only")).to_be_visible()
    visit.refresh_from_db()
    assert visit.is_closed and visit.stage == VisitStage.CLOSURE
    screenshot("visit-closed")
