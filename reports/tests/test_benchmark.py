"""`manage.py benchmark` times the endpoints on a data set it builds and leaves nothing behind."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from clinical.models import Patient, Visit
from inventory.models import StockMovement

pytestmark = pytest.mark.django_db


def test_it_prints_a_table_of_timings_and_rolls_its_data_back():
    users_before = User.objects.count()
    out = io.StringIO()

    call_command("benchmark", scale=0.002, repeat=1, stdout=out)

    output = out.getvalue()
    assert "| Endpoint | Status | Queries | Median ms | Max ms |" in output
    assert "| Dashboard stats | 200 |" in output
    assert "| Report visits (90 days) | 200 |" in output
    assert "data rolled back" in output
    assert Patient.objects.count() == 0 and Visit.objects.count() == 0 and StockMovement.objects.count() == 0
    assert User.objects.count() == users_before


def test_it_refuses_a_scale_of_zero():
    with pytest.raises(CommandError):
        call_command("benchmark", scale=0, stdout=io.StringIO())
