import pytest

from accounts.choices import Role
from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import bearer_client

pytestmark = pytest.mark.django_db

NEW_USER = {
    "email": "new.nurse@test.polmed.co.za",
    "first_name": "Ayanda",
    "last_name": "Zulu",
    "phone_number": "082 555 0101",
    "role": "nurse",
    "password": "a-long-and-unusual-password",
}


def test_administrator_creates_a_user_with_a_role(administrator):
    response = bearer_client(administrator).post("/api/users", NEW_USER, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["data"]["role"] == "nurse"
    assert "password" not in body["data"]
    user = User.objects.get(email=NEW_USER["email"])
    assert user.role == Role.NURSE
    assert user.check_password(NEW_USER["password"])
    assert str(user.phone_number) == "+27825550101"


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_other_roles_cannot_list_or_create_users(client_for, role):
    client = client_for(role)

    listing = client.get("/api/users")
    creating = client.post("/api/users", NEW_USER, format="json")

    assert listing.status_code == 403
    assert listing.json() == {"success": False, "error": "You do not have permission to perform this action."}
    assert creating.status_code == 403
    assert not User.objects.filter(email=NEW_USER["email"]).exists()


def test_duplicate_email_is_409(administrator):
    UserFactory(email=NEW_USER["email"])

    response = bearer_client(administrator).post("/api/users", NEW_USER, format="json")

    assert response.status_code == 409
    assert NEW_USER["email"] in response.json()["error"]


def test_bad_input_is_400_and_saves_nothing(administrator):
    response = bearer_client(administrator).post(
        "/api/users", {**NEW_USER, "role": "surgeon", "phone_number": "12"}, format="json"
    )

    assert response.status_code == 400
    assert {"role", "phone_number"} <= set(response.json()["details"])
    assert not User.objects.filter(email=NEW_USER["email"]).exists()


def test_weak_password_is_refused(administrator):
    response = bearer_client(administrator).post("/api/users", {**NEW_USER, "password": "123"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["details"]


def test_missing_user_is_404(administrator):
    response = bearer_client(administrator).get("/api/users/999999")

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Not found."}


def test_changing_a_role_moves_the_user_to_the_new_group(administrator, clerk):
    response = bearer_client(administrator).patch(f"/api/users/{clerk.pk}", {"role": "nurse"}, format="json")

    assert response.status_code == 200
    clerk.refresh_from_db()
    assert clerk.role == Role.NURSE
    assert list(clerk.groups.values_list("name", flat=True)) == ["Nurse"]


def test_deleting_a_user_deactivates_it(administrator, clerk):
    response = bearer_client(administrator).delete(f"/api/users/{clerk.pk}")

    assert response.status_code == 204
    clerk.refresh_from_db()
    assert clerk.is_active is False


def test_user_list_runs_a_constant_number_of_queries(administrator, django_assert_max_num_queries):
    client = bearer_client(administrator)
    UserFactory(role=Role.NURSE)
    with django_assert_max_num_queries(8) as small:
        assert client.get("/api/users?per_page=50").status_code == 200
    UserFactory.create_batch(49, role=Role.NURSE)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/api/users?per_page=50")
    assert len(response.json()["data"]) == 50
