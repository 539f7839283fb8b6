from django.db import migrations


def retarget(apps, schema_editor):
    # Phone targets become E.164 (`+62812...`) by the profile's normaliser, and `+62 (0)812...` merges with `0812...`.
    from complaints.migrations._retarget import retarget as run

    run(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_complaint_evidence_removed_at")]

    operations = [migrations.RunPython(retarget, migrations.RunPython.noop, elidable=True)]
