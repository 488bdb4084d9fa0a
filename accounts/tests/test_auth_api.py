from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.choices import Role
from accounts.tests.factories import DEFAULT_TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"


def login(api_client, email, password=DEFAULT_TEST_PASSWORD):
    return api_client.post(LOGIN, {"email": email, "password": password}, format="json")


def test_login_returns_tokens_and_the_spec_user_block(api_client, doctor):
    response = login(api_client, doctor.email)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert set(body["data"]) >= {"token", "refresh", "user"}
    assert body["data"]["user"] == {
        "user_id": doctor.id,
        "email": doctor.email,
        "first_name": doctor.first_name,
        "last_name": doctor.last_name,
        "role": "doctor",
    }
    assert AccessToken(body["data"]["token"])["user_id"] == str(doctor.id)


def test_login_email_is_case_insensitive(api_client, nurse):
    assert login(api_client, nurse.email.upper()).status_code == 200


def test_wrong_password_is_401_in_the_error_envelope(api_client, doctor):
    response = login(api_client, doctor.email, "wrong-password")

    assert response.status_code == 401
    assert response.json() == {"success": False, "error": "Invalid email or password."}


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(api_client):
    response = login(api_client, "nobody@test.polmed.co.za")

    assert response.status_code == 401
    assert response.json()["error"] == "Invalid email or password."


def test_inactive_user_cannot_log_in(api_client):
    user = UserFactory(role=Role.NURSE, is_active=False)

    response = login(api_client, user.email)

    assert response.status_code == 401
    assert response.json()["success"] is False


def test_missing_fields_are_400_with_field_details(api_client):
    response = api_client.post(LOGIN, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert set(body["details"]) == {"email", "password"}
    assert "password" in body["error"]


def test_account_locks_after_five_failures_and_refuses_the_right_password(api_client, clerk):
    for _ in range(4):
        assert login(api_client, clerk.email, "wrong").status_code == 401
    assert login(api_client, clerk.email, "wrong").status_code == 429

    response = login(api_client, clerk.email)

    assert response.status_code == 429
    assert response.json()["success"] is False
    assert "locked" in response.json()["error"]
    assert "5 failed login attempts" in response.json()["error"]


def test_lockout_is_per_account(api_client, clerk, nurse):
    for _ in range(5):
        login(api_client, clerk.email, "wrong")

    assert login(api_client, nurse.email).status_code == 200


def test_a_success_before_the_limit_resets_the_failure_count(api_client, clerk):
    for _ in range(4):
        login(api_client, clerk.email, "wrong")
    assert login(api_client, clerk.email).status_code == 200
    for _ in range(4):
        login(api_client, clerk.email, "wrong")

    assert login(api_client, clerk.email).status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api_client, nurse):
    old_refresh = login(api_client, nurse.email).json()["data"]["refresh"]

    response = api_client.post("/api/auth/refresh", {"refresh": old_refresh}, format="json")
    assert response.status_code == 200
    new_pair = response.json()["data"]
    assert new_pair["refresh"] != old_refresh
    assert AccessToken(new_pair["token"])["user_id"] == str(nurse.id)

    reuse = api_client.post("/api/auth/refresh", {"refresh": old_refresh}, format="json")
    assert reuse.status_code == 401
    assert reuse.json()["success"] is False


def test_logout_blacklists_the_refresh_token(api_client, nurse):
    refresh = login(api_client, nurse.email).json()["data"]["refresh"]

    response = api_client.post("/api/auth/logout", {"refresh": refresh}, format="json")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Logged out successfully"}

    assert api_client.post("/api/auth/refresh", {"refresh": refresh}, format="json").status_code == 401


def test_me_returns_the_spec_shape(api_client, doctor):
    doctor.phone_number = "082 123 4567"
    doctor.save()
    token = login(api_client, doctor.email).json()["data"]["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.get("/api/auth/me")

    assert response.status_code == 200
    assert response.json()["data"] == {
        "id": doctor.id,
        "email": doctor.email,
        "first_name": doctor.first_name,
        "last_name": doctor.last_name,
        "phone_number": "+27821234567",
        "role_name": "doctor",
    }


def test_me_without_a_token_is_401(api_client):
    response = api_client.get("/api/auth/me")

    assert response.status_code == 401
    assert response.json()["success"] is False


def test_tampered_token_is_401(api_client, doctor):
    token = str(RefreshToken.for_user(doctor).access_token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tampered}")

    response = api_client.get("/api/auth/me")

    assert response.status_code == 401
    assert response.json()["success"] is False


def test_expired_token_is_401(api_client, doctor):
    token = AccessToken.for_user(doctor)
    token.set_exp(lifetime=-timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.get("/api/auth/me")

    assert response.status_code == 401


def test_token_lifetimes_are_15_minutes_and_at_most_12_hours(settings):
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    assert settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] <= timedelta(hours=12)


def test_login_response_never_contains_the_password(api_client, doctor):
    response = login(api_client, doctor.email)

    assert DEFAULT_TEST_PASSWORD not in response.content.decode()
