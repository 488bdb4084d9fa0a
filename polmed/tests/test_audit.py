import pytest
from auditlog.models import LogEntry

from accounts.tests.factories import UserFactory
from conftest import bearer_client
from polmed.audit import log_reads

pytestmark = pytest.mark.django_db


def test_log_reads_records_who_read_which_records(administrator, django_assert_num_queries):
    records = UserFactory.create_batch(3)

    with django_assert_num_queries(1):
        log_reads(records, actor=administrator, remote_addr="10.0.0.7")

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("object_id")
    assert [(e.object_id, e.actor_id, e.remote_addr) for e in entries] == [
        (r.pk, administrator.pk, "10.0.0.7") for r in records
    ]


def test_log_reads_of_nothing_writes_nothing(administrator, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert log_reads([], actor=administrator) == 0


def test_changes_made_through_the_api_with_a_jwt_name_the_actor(administrator, clerk):
    response = bearer_client(administrator).patch(f"/api/users/{clerk.pk}", {"first_name": "Renamed"}, format="json")

    assert response.status_code == 200
    entry = LogEntry.objects.get_for_object(clerk).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == administrator
    assert "first_name" in entry.changes_dict
    assert "password" not in entry.changes_dict
