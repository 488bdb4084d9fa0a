import pytest

from accounts.tests.factories import DEFAULT_TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_log_in_with_email_and_reach_the_dashboard(client, nurse):
    response = client.post("/login/", {"username": nurse.email, "password": DEFAULT_TEST_PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "Nurse" in response.content.decode()


def test_wrong_password_shows_the_form_again(client, nurse):
    response = client.post("/login/", {"username": nurse.email, "password": "nope"})

    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower()


def test_staff_login_page_locks_after_five_failures(client, nurse):
    for _ in range(5):
        client.post("/login/", {"username": nurse.email, "password": "nope"})

    response = client.post("/login/", {"username": nurse.email, "password": DEFAULT_TEST_PASSWORD})

    assert response.status_code == 429
    assert "locked" in response.content.decode()


def test_pages_need_a_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logout_ends_the_session(client, nurse):
    client.force_login(nurse)

    client.post("/logout/")

    assert client.get("/").status_code == 302


def test_admin_is_branded(admin_client):
    response = admin_client.get("/admin/")

    assert "POLMED Mobile Clinic" in response.content.decode()
