"""Staff pages render in a real browser on a tablet and a 360px phone without sideways scrolling."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.tests.factories import PatientFactory, ReferralFactory, VisitFactory
from inventory.tests.factories import ItemFactory
from inventory.tests.helpers import stock
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory, RouteStopFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {
    "patient-search": "/patients/",
    "appointments-day": "/appointments/days/{stop}/",
    "referrals": "/referrals/",
    "van-stock": "/stock/",
}


@pytest.fixture
def clinic(nurse):
    stop = RouteStopFactory(date=timezone.localdate(), slots=False, location__name="Alexandra Police Station")
    slot = AppointmentSlotFactory(stop=stop)
    for first in ("Thandi", "Sipho", "Ayanda"):
        AppointmentFactory(slot=slot, first_name=first, last_name="Dlamini")
    for first in ("Thandi", "Sipho"):
        patient = PatientFactory(first_name=first, last_name="Dlamini")
        VisitFactory(patient=patient, route=stop.route, location=stop.location)
        ReferralFactory(patient=patient)
    for name in ("Amlodipine 5 mg tablet", "Paracetamol 500 mg tablet", "Metformin 500 mg tablet"):
        stock(ItemFactory(name=name), stop.route.mobile_unit.stock_location, 60, by=nurse, days=4)
    return stop


@pytest.mark.parametrize("name", PAGES)
def test_staff_pages_fit_a_tablet_and_a_phone(page, url, log_in, nurse, clinic, screenshot, name):
    log_in(nurse)
    path = PAGES[name].format(stop=clinic.pk)

    page.goto(url(path))
    if name == "patient-search":
        page.get_by_label("Find a patient").fill("Dlamini")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("link", name="Dlamini, Sipho")).to_be_visible()
    screenshot(name)
    page.set_viewport_size({"width": 360, "height": 740})
    if name != "patient-search":
        page.reload()

    expect(page.locator("h1").first).to_be_visible()
    overflow = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap'))"
        ".some(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
    )
    assert not overflow, f"{path} spills sideways on a 360px screen"
