import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_log_in_in_a_real_browser_and_see_the_navigation(page, url, log_in, nurse, screenshot):
    page.goto(url("/login/"))
    screenshot("login")

    log_in(nurse)

    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_text(nurse.role.label).first).to_be_visible()


def test_a_wrong_password_shows_the_error_next_to_the_form(page, url, nurse):
    page.goto(url("/login/"))
    page.get_by_label("Email").fill(nurse.email)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_be_visible()
    assert "/login/" in page.url


def test_the_login_form_works_with_the_keyboard_alone(page, url, log_in, nurse):
    page.goto(url("/login/"))
    assert page.evaluate("document.activeElement.name") == "username"

    page.keyboard.type(nurse.email)
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-battery-staple")
    page.keyboard.press("Enter")
    page.wait_for_url(url("/"))

    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_registration_warns_of_an_already_registered_id_number_as_the_clerk_types(page, url, log_in, clerk):
    from clinical.tests.factories import PatientFactory

    existing = PatientFactory(first_name="Bongani", last_name="Sithole")
    log_in(clerk, next_path="/patients/new/")

    page.get_by_label("SA ID number").fill(existing.id_number)
    page.get_by_label("SA ID number").blur()

    expect(page.get_by_role("link", name="Bongani Sithole")).to_be_visible()
