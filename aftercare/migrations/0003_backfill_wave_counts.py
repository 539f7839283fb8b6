"""Count the recipients and the reserve of every wave drawn before the counts were kept (aftercare.models.WaveCounts),
in one INSERT ... SELECT: the same definitions as the live counts (ScreeningResult.selected; aftercare.sql.reserve_sql).
A scan of each drawn wave's results, once."""
from django.db import migrations


def backfill(apps, schema_editor):
    from aftercare.sql import reserve_sql

    counts = apps.get_model("aftercare", "WaveCounts")._meta.db_table
    wave = apps.get_model("registration", "Wave")._meta.db_table
    result = apps.get_model("eligibility", "ScreeningResult")._meta.db_table
    schema_editor.execute(
        f"INSERT INTO {counts} (wave_id, recipients, reserve)"
        f" SELECT w.id,"
        f"  (SELECT COUNT(*) FROM {result} s WHERE s.wave_id = w.id AND s.selected),"
        f"  (SELECT COUNT(*) FROM {result} s WHERE s.wave_id = w.id AND {reserve_sql('s')})"
        f" FROM {wave} w WHERE w.status = 'selected'"
        f" AND NOT EXISTS (SELECT 1 FROM {counts} c WHERE c.wave_id = w.id)"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("aftercare", "0002_wave_counts"),
        ("eligibility", "0010_verbose_names"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
