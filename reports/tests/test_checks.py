import pytest
from django.db import connection

from reports.checks import time_zone_tables_loaded


@pytest.mark.django_db
def test_the_time_zone_tables_check_passes_on_this_database():
    # On MariaDB this runs CONVERT_TZ for real; on SQLite there is nothing to check.
    assert time_zone_tables_loaded(databases=["default"]) == []
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT CONVERT_TZ('2026-11-30 21:30:00', 'UTC', 'Africa/Johannesburg')")
            assert str(cursor.fetchone()[0]) == "2026-11-30 23:30:00"
