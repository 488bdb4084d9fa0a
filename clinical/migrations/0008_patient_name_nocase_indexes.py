from django.db import migrations

# Patient search matches name prefixes case-insensitively (LIKE 'term%'). MariaDB's default
# collation is case-insensitive, so patient_name_idx and patient_first_name_idx serve it. SQLite's
# LIKE is case-insensitive but can use an index only if it is built with the NOCASE collation,
# which Django cannot declare portably; these exist on SQLite only.
NOCASE_INDEXES = {
    "patient_last_name_nocase_idx": "last_name",
    "patient_first_name_nocase_idx": "first_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, column in NOCASE_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "clinical_patient" ("{column}" COLLATE NOCASE)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in NOCASE_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("clinical", "0007_referral_created_idx")]

    operations = [migrations.RunPython(create, drop)]
