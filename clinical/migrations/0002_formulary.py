from django.db import migrations


def load(apps, schema_editor):
    from clinical.formulary import load_formulary

    load_formulary(apps.get_model("clinical", "Medicine"))


class Migration(migrations.Migration):
    dependencies = [("clinical", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
