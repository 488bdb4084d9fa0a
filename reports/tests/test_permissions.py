"""The reports' permission matrix: who may call each endpoint (drives the access tests and the
project's endpoint-coverage check)."""

import pytest

from accounts.choices import Role
from polmed.testing import MATRIX_ARGS, Access, assert_access, matrix_cases, roles

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(Role)
AGGREGATE = roles(Role.DOCTOR, Role.NURSE, Role.CLERK, Role.SOCIAL_WORKER, Role.FINANCE, Role.VIEWER)
FINANCE = roles(Role.FINANCE, Role.INVENTORY_MANAGER)
CLINICAL = roles(Role.DOCTOR, Role.NURSE, Role.SOCIAL_WORKER)

REPORTS = {
    "visits": AGGREGATE,
    "visits-by-place": AGGREGATE,
    "visits-by-stage": AGGREGATE,
    "stage-waiting-times": AGGREGATE,
    "top-diagnoses": AGGREGATE,
    "chronic-conditions": AGGREGATE,
    "referrals-open": AGGREGATE,
    "referral-outcomes": AGGREGATE,
    "appointments": AGGREGATE,
    "stock-consumption": FINANCE,
    "expiry-write-offs": FINANCE,
    "stock-value": FINANCE,
    "asset-book-value": FINANCE,
    "maintenance-due": FINANCE,
    "asset-downtime": FINANCE,
    "referral-follow-up": CLINICAL,
}

MATRIX = [
    Access("GET", "/api/dashboard/stats", EVERYONE),
    Access("GET", "/api/reports", EVERYONE),
    *(Access("GET", f"/api/reports/{slug}", allowed) for slug, allowed in REPORTS.items()),
    *(Access("GET", f"/api/reports/{slug}/csv", allowed) for slug, allowed in REPORTS.items()),
]


@pytest.mark.parametrize(MATRIX_ARGS, matrix_cases(MATRIX))
def test_role_matrix(client_for, access, role, allowed):
    response = client_for(role).generic(access.method, access.path)

    assert_access(response, allowed)
    if allowed:
        assert response.status_code == 200


def test_every_report_is_in_the_matrix():
    from reports.framework import REGISTRY

    assert set(REPORTS) == set(REGISTRY)
