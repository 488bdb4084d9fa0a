"""Test fixtures shared by every app: one user per role, by name, and API clients for them."""

import itertools

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.choices import Role
from accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _isolate_caches_and_lockouts(settings):
    # Throttle counters live in the cache; keep tests independent of each other.
    from django.core.cache import cache

    # Fast hashing: tests create many users; production keeps Django's default hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


_emails = itertools.count()


def _make_role_fixture(role: Role):
    @pytest.fixture
    def _fixture(db):
        return UserFactory(email=f"{role.value}@test.polmed.co.za", role=role)

    return _fixture


administrator = _make_role_fixture(Role.ADMINISTRATOR)
doctor = _make_role_fixture(Role.DOCTOR)
nurse = _make_role_fixture(Role.NURSE)
clerk = _make_role_fixture(Role.CLERK)
social_worker = _make_role_fixture(Role.SOCIAL_WORKER)
inventory_manager = _make_role_fixture(Role.INVENTORY_MANAGER)
finance = _make_role_fixture(Role.FINANCE)
viewer = _make_role_fixture(Role.VIEWER)


@pytest.fixture
def user_with_role(db):
    """user_with_role(Role.NURSE) or user_with_role("nurse"); None gives a user with no role."""

    def make(role):
        if role is None:
            return UserFactory()
        role = Role(role)
        return UserFactory(email=f"{role.value}-{next(_emails)}@test.polmed.co.za", role=role)

    return make


@pytest.fixture
def api_client():
    return APIClient()


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def client_for(db, user_with_role):
    """client_for("nurse") -> an APIClient authenticated with a JWT for a new nurse."""

    def make(role):
        return bearer_client(user_with_role(role))

    return make
