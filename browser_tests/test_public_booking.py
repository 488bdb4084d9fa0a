"""A member of the public books and then cancels, on a 360px phone with JavaScript turned off."""

import pytest
from playwright.sync_api import expect

from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment
from scheduling.tests.factories import RouteStopFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 360, "height": 740}, "java_script_enabled": False, "locale": "en-ZA", "is_mobile": True}


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_member_of_the_public_books_and_then_cancels_on_a_phone_without_javascript(phone_page, url, screenshot):
    page = phone_page
    stop = RouteStopFactory(max_appointments=8, location__name="Soweto Police Station", location__address="1 Main Rd")

    page.goto(url("/book/"))
    page.get_by_label("Province").select_option(stop.location.province)
    page.get_by_label("Date").fill(stop.date.isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_role("heading", name="Soweto Police Station")).to_be_visible()
    # Nothing spills sideways on a 360px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("public-booking-times", target=page)

    first_time = page.get_by_role("list", name="Free times at Soweto Police Station").get_by_role("link").first
    first_time.click()
    page.get_by_label("First name").fill("Lerato")
    page.get_by_label("Last name").fill("Dlamini")
    page.get_by_label("Mobile phone number").fill("082 123 4567")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Book this time").click()

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    reference = page.locator("#reference").inner_text().strip()
    appointment = Appointment.objects.get(reference=reference)
    assert appointment.status == AppointmentStatus.BOOKED
    screenshot("public-booking-confirmation", target=page)

    page.get_by_role("link", name="Check or cancel a booking").first.click()
    page.get_by_label("Booking reference").fill(reference)
    page.get_by_label("Mobile phone number").fill("0821234567")
    page.get_by_role("button", name="Find my booking").click()
    expect(page.get_by_text("Lerato Dlamini")).to_be_visible()
    page.get_by_role("button", name="Cancel this booking").click()

    expect(page.get_by_role("heading", name="Booking cancelled")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
