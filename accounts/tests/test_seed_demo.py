import pytest
from django.core.management import CommandError, call_command

from accounts.choices import Role
from accounts.demo import DEMO_STAFF
from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(api_client):
    call_command("seed_demo", password="demo-pass-123", verbosity=0)
    call_command("seed_demo", password="demo-pass-123", verbosity=0)

    assert User.objects.filter(email__endswith="@demo.polmed.co.za").count() == len(Role)
    assert {role for role, *_ in DEMO_STAFF} == set(Role)
    for role, local_part, *_ in DEMO_STAFF:
        user = User.objects.get(email=f"{local_part}@demo.polmed.co.za")
        assert user.role == role
        assert user.groups.count() == 1
    response = api_client.post(
        "/api/auth/login", {"email": "nurse@demo.polmed.co.za", "password": "demo-pass-123"}, format="json"
    )
    assert response.status_code == 200


def test_seed_demo_needs_an_explicit_password_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--password"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()
