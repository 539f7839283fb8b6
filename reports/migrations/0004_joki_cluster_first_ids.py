"""Each joki cluster keeps its first members beside its member list (reports.models.JokiCluster.first_ids):
stored clusters get theirs cut out of their lists by one UPDATE."""

from django.db import migrations, models

from reports.sql import JsonSlice

FIRST_MEMBERS = 10  # JokiCluster.FIRST_MEMBERS when this migration was written


def fill_first_ids(apps, schema_editor):
    JokiCluster = apps.get_model("reports", "JokiCluster")
    JokiCluster.objects.using(schema_editor.connection.alias).update(
        first_ids=JsonSlice("registration_ids", count=FIRST_MEMBERS))


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_contacts_export'),
    ]

    operations = [
        migrations.AddField(
            model_name='jokicluster',
            name='first_ids',
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(fill_first_ids, migrations.RunPython.noop),
    ]
