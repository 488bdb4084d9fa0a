"""A database check: on MySQL/MariaDB, date grouping in Africa/Johannesburg needs the server's
time-zone tables. Without them CONVERT_TZ returns NULL and reports silently come back empty."""

from django.core.checks import Error, Tags, register
from django.db import connections

TZ_TABLES_HINT = "Load them: mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -u root mysql"


@register(Tags.database)
def time_zone_tables_loaded(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "mysql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT CONVERT_TZ('2026-01-01 00:00:00', 'UTC', 'Africa/Johannesburg')")
            (converted,) = cursor.fetchone()
        if converted is None:
            errors.append(
                Error(
                    f"Database '{alias}' has no time-zone tables; reports cannot group dates in local time.",
                    hint=TZ_TABLES_HINT,
                    id="reports.E001",
                )
            )
    return errors
