import pytest

from reports.framework import REGISTRY
from reports.tests.helpers import StaffJoinedReport


@pytest.fixture
def staff_report(monkeypatch):
    """Registers the staff-joined report (aggregate category) for the duration of a test."""
    report = StaffJoinedReport()
    monkeypatch.setitem(REGISTRY, report.slug, report)
    return report
