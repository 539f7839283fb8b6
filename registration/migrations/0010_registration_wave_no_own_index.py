"""The registration's wave needs no index of its own: the once-per-wave constraint and every other index lead with
the wave, and each index is one more write per join at the deadline surge. Only the index is dropped (Django's
AlterField would also drop and re-validate the foreign key, a scan of every registration under an exclusive lock)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registration', '0009_verbose_names'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "registration_registration_wave_id_f4bc0e80"',
                    'CREATE INDEX IF NOT EXISTS "registration_registration_wave_id_f4bc0e80"'
                    ' ON "registration_registration" ("wave_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='registration',
                    name='wave',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='registrations', to='registration.wave',
                                            verbose_name='wave'),
                ),
            ],
        ),
    ]
