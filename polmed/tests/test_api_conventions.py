import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.api.views import MeView
from conftest import bearer_client

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_404_in_the_error_envelope(api_client):
    response = api_client.get("/api/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "No API endpoint at /api/no-such-thing."}


def test_malformed_json_is_400_in_the_error_envelope(api_client):
    response = api_client.post("/api/auth/login", data='{"email": ', content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert "JSON parse error" in body["error"]


def test_wrong_method_is_405(api_client):
    response = api_client.get("/api/auth/login")

    assert response.status_code == 405
    assert response.json() == {"success": False, "error": 'Method "GET" not allowed.'}


def test_unsupported_media_type_is_415(api_client):
    response = api_client.post("/api/auth/login", data="email=x", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["success"] is False


def test_throttled_requests_are_429(api_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/minute"})
    for _ in range(2):
        api_client.post("/api/auth/login", {"email": "a@b.co", "password": "x"}, format="json")

    response = api_client.post("/api/auth/login", {"email": "a@b.co", "password": "x"}, format="json")

    assert response.status_code == 429
    assert response.json()["success"] is False
    assert "Retry-After" in response.headers


def test_unexpected_errors_are_a_500_envelope_without_a_traceback(doctor, monkeypatch):
    def explode(self, request):
        raise RuntimeError("database exploded in /srv/app/secret.py line 42")

    monkeypatch.setattr(MeView, "get", explode)
    client = bearer_client(doctor)
    client.raise_request_exception = False

    response = client.get("/api/auth/me")

    assert response.status_code == 500
    assert response.json() == {"success": False, "error": "An internal server error occurred."}


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/auth/me/", "/api/users", "/api/users/"])
def test_paths_work_with_and_without_a_trailing_slash(administrator, path):
    assert bearer_client(administrator).get(path).status_code == 200


def test_lists_carry_the_pagination_block(administrator):
    response = bearer_client(administrator).get("/api/users?page=1&per_page=1")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["pagination"] == {"page": 1, "per_page": 1, "total": 1, "pages": 1}


def test_per_page_is_capped_at_100(administrator):
    response = bearer_client(administrator).get("/api/users?per_page=500")

    assert response.json()["pagination"]["per_page"] == 100


def test_a_page_past_the_end_is_404(administrator):
    response = bearer_client(administrator).get("/api/users?page=9")

    assert response.status_code == 404
    assert response.json()["success"] is False


def test_browsable_api_works_for_logged_in_staff(administrator):
    client = APIClient()
    client.force_login(administrator)

    response = client.get("/api/users", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    assert administrator.email in response.content.decode()


def test_openapi_schema_describes_the_api_and_the_envelope(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert "/api/auth/login" in schema["paths"]
    assert "ErrorEnvelope" in schema["components"]["schemas"]


def test_swagger_ui_is_served_without_a_cdn(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "//unpkg" not in html


def test_health_reports_healthy_with_the_spec_fields(api_client):
    response = api_client.get("/api/health")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["status"] == "healthy"
    assert body["version"] >= "2.0.0"
    assert body["timestamp"].endswith("Z")


def test_health_is_503_when_the_database_is_unreachable(api_client, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)

    response = api_client.get("/api/health")

    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["success"] is False


def test_domain_conflicts_are_409_and_rule_violations_400(doctor, monkeypatch):
    from polmed.exceptions import ConflictError, RuleViolation

    client = bearer_client(doctor)

    def conflict(self, request):
        raise ConflictError("Only 3 left in stock.")

    monkeypatch.setattr(MeView, "get", conflict)
    response = client.get("/api/auth/me")
    assert response.status_code == 409
    assert response.json() == {"success": False, "error": "Only 3 left in stock."}

    def violation(self, request):
        raise RuleViolation("Must be after the start date.", field="end_date")

    monkeypatch.setattr(MeView, "get", violation)
    response = client.get("/api/auth/me")
    assert response.status_code == 400
    assert response.json()["details"] == {"end_date": ["Must be after the start date."]}
