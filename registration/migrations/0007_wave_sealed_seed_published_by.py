"""The lottery seed sealed at rest, and who published a wave.

Until the selection a wave's seed exists only sealed (prakerja.lib.sealing, a key from the environment): a copy of
the database alone no longer reveals it. `seed` now holds the revealed seed only, written by the selection. The
seed guard trigger (first created in eligibility 0003) is replaced: the sealed seed and the commitment are frozen
once drawn, and `seed` may be written once, only with the value whose SHA-256 is the commitment.

On SQLite, adding the columns rebuilds the table, which drops its triggers: both wave triggers are created again.
"""
import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

frozen_guard = importlib.import_module("registration.migrations.0005_wave_change_and_frozen_fields")
former_seed_guard = importlib.import_module("eligibility.migrations.0003_screening_indexes_and_seed_guard")

POSTGRES = (
    """
    CREATE OR REPLACE FUNCTION wave_seed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.sealed_seed <> '' AND (NEW.sealed_seed IS DISTINCT FROM OLD.sealed_seed
         OR NEW.seed_commitment IS DISTINCT FROM OLD.seed_commitment) THEN
        RAISE EXCEPTION 'The lottery seed of wave % cannot be changed once drawn.', OLD.number
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.seed <> '' AND NEW.seed IS DISTINCT FROM OLD.seed THEN
        RAISE EXCEPTION 'The revealed seed of wave % cannot be changed.', OLD.number
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF NEW.seed <> '' AND NEW.seed_commitment <> encode(sha256(convert_to(NEW.seed, 'UTF8')), 'hex') THEN
        RAISE EXCEPTION 'The seed commitment of wave % is not the SHA-256 of its seed.', NEW.number
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER wave_seed_guard BEFORE INSERT OR UPDATE ON registration_wave
      FOR EACH ROW EXECUTE FUNCTION wave_seed_guard();
    """,
    "DROP TRIGGER IF EXISTS wave_seed_guard ON registration_wave; DROP FUNCTION IF EXISTS wave_seed_guard();",
)
# SHA256() is the function Django registers on each of its SQLite connections (development databases only).
SQLITE = (
    """
    CREATE TRIGGER IF NOT EXISTS wave_seed_guard BEFORE UPDATE OF sealed_seed, seed, seed_commitment
    ON registration_wave
    WHEN (OLD.sealed_seed <> '' AND (NEW.sealed_seed IS NOT OLD.sealed_seed
                                     OR NEW.seed_commitment IS NOT OLD.seed_commitment))
      OR (OLD.seed <> '' AND NEW.seed IS NOT OLD.seed)
      OR (NEW.seed <> '' AND NEW.seed_commitment IS NOT SHA256(NEW.seed))
    BEGIN SELECT RAISE(ABORT, 'The lottery seed cannot be changed once drawn.'); END
    """,
    "DROP TRIGGER IF EXISTS wave_seed_guard",
)


def drop_guards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES[1] if postgres else SQLITE[1], params=None)
    if not postgres:
        schema_editor.execute(frozen_guard.SQLITE[1], params=None)


def create_guards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES[0] if postgres else SQLITE[0], params=None)
    if not postgres:
        schema_editor.execute(frozen_guard.SQLITE[0], params=None)


def create_former_guards(apps, schema_editor):
    """Backwards: the seed guard as eligibility 0003 made it (on the clear `seed`), and the frozen-fields guard."""
    postgres = schema_editor.connection.vendor == "postgresql"
    create, _drop = (former_seed_guard.POSTGRES if postgres else former_seed_guard.SQLITE)[2]
    schema_editor.execute(create, params=None)
    if not postgres:
        schema_editor.execute(frozen_guard.SQLITE[0], params=None)


def seal_existing_seeds(apps, schema_editor):
    """Every drawn seed sealed; the clear value kept only where the selection has revealed it."""
    from prakerja.lib.sealing import seal

    Wave = apps.get_model("registration", "Wave")
    for wave in Wave.objects.exclude(seed="").only("pk", "seed", "seed_revealed_at"):
        Wave.objects.filter(pk=wave.pk).update(
            sealed_seed=seal(wave.seed), seed=wave.seed if wave.seed_revealed_at else "")


def unseal_seeds(apps, schema_editor):
    from prakerja.lib.sealing import unseal

    Wave = apps.get_model("registration", "Wave")
    for wave in Wave.objects.exclude(sealed_seed="").only("pk", "sealed_seed"):
        Wave.objects.filter(pk=wave.pk).update(seed=unseal(wave.sealed_seed), sealed_seed="")


class Migration(migrations.Migration):

    dependencies = [
        ("registration", "0006_user_language"),
        ("eligibility", "0003_screening_indexes_and_seed_guard"),
    ]

    operations = [
        migrations.RunPython(drop_guards, create_former_guards),
        migrations.AddField(
            model_name="wave",
            name="published_by",
            field=models.ForeignKey(blank=True, editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to=settings.AUTH_USER_MODEL, verbose_name="published by"),
        ),
        migrations.AddField(
            model_name="wave",
            name="sealed_seed",
            field=models.TextField(blank=True, editable=False, verbose_name="sealed seed"),
        ),
        migrations.AlterField(
            model_name="wave",
            name="seed",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="seed (revealed)"),
        ),
        migrations.RunPython(seal_existing_seeds, unseal_seeds),
        migrations.RunPython(create_guards, drop_guards),
    ]
