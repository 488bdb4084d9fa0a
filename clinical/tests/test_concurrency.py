"""Real threads against the real database: the rules hold when requests race."""

import datetime
import threading

import pytest
from django.db import connection

from clinical.models import Patient, VisitStageChange
from clinical.tests.factories import VisitFactory, sa_id_number
from conftest import bearer_client

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises writers; row locks need MariaDB"),
]


def _race(requests):
    """Run each zero-argument callable in its own thread, all released at once; return their results."""
    barrier = threading.Barrier(len(requests))
    results = []

    def run(request):
        try:
            barrier.wait()
            results.append(request())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_eight_clerks_registering_the_same_person_make_one_patient(user_with_role):
    clients = [bearer_client(user_with_role("clerk")) for _ in range(8)]
    payload = {
        "first_name": "John",
        "last_name": "Doe",
        "date_of_birth": "1990-05-15",
        "gender": "Male",
        "id_number": sa_id_number(datetime.date(1990, 5, 15), male=True),
    }

    statuses = _race([lambda c=c: c.post("/api/patients", payload, format="json").status_code for c in clients])

    assert sorted(statuses) == [201] + [409] * 7
    assert Patient.objects.count() == 1


def test_two_nurses_advancing_the_same_visit_move_it_once(user_with_role):
    visit = VisitFactory(stage="assessment")
    clients = [bearer_client(user_with_role("nurse")) for _ in range(2)]

    statuses = _race(
        [lambda c=c: c.post(f"/api/visits/{visit.pk}/advance", {"stage": "consultation"}).status_code for c in clients]
    )

    assert sorted(statuses) == [200, 409]
    visit.refresh_from_db()
    assert visit.stage == "consultation"
    assert VisitStageChange.objects.filter(visit=visit).count() == 1
