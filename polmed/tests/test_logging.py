import logging
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.api.views import MeView
from accounts.tests.factories import DEFAULT_TEST_PASSWORD
from conftest import bearer_client
from polmed.logging import REDACTED, redact

pytestmark = pytest.mark.django_db


def _log_file(name: str) -> Path:
    for handler in logging.getLogger().handlers:
        if getattr(handler, "baseFilename", "").endswith(name):
            handler.flush()
            return Path(handler.baseFilename)
    raise AssertionError(f"no handler writes {name}")


def test_secrets_never_reach_the_log_files(api_client, doctor, monkeypatch):
    token = str(RefreshToken.for_user(doctor).access_token)
    refresh = str(RefreshToken.for_user(doctor))

    api_client.post("/api/auth/login", {"email": doctor.email, "password": "Wr0ng-Secret-Guess"}, format="json")
    api_client.post("/api/auth/login", {"email": doctor.email, "password": DEFAULT_TEST_PASSWORD}, format="json")

    def explode(self, request):
        raise RuntimeError(f"failed with password={DEFAULT_TEST_PASSWORD} and Authorization: Bearer {token}")

    monkeypatch.setattr(MeView, "get", explode)
    client = bearer_client(doctor)
    client.raise_request_exception = False
    assert client.get("/api/auth/me").status_code == 500

    logger = logging.getLogger("polmed.tests")
    logger.warning("login payload %s", {"email": doctor.email, "password": DEFAULT_TEST_PASSWORD})
    logger.error("refresh=%s", refresh)

    written = _log_file("polmed_backend.log").read_text() + _log_file("errors.log").read_text()
    assert "failed with password=" in written, "the 500 was not logged at all"
    for secret in (DEFAULT_TEST_PASSWORD, "Wr0ng-Secret-Guess", token, refresh):
        assert secret not in written


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("password=hunter2 next", f"password={REDACTED} next"),
        ('{"password": "hunter2"}', f'{{"password": {REDACTED}}}'),
        ("Authorization: Bearer abc.def", f"Authorization: {REDACTED} {REDACTED}"),
        ("token eyJhbGciOi.eyJzdWIi.c2ln", f"token {REDACTED}"),
        ("patient 42 checked in", "patient 42 checked in"),
    ],
)
def test_redact_masks_only_secrets(raw, expected):
    assert redact(raw) == expected
