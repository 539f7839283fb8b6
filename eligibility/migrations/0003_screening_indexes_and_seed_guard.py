"""Indexes the screening joins need on registration_registration, and the lottery seed's guard.

Raw SQL because (a) PostgreSQL's covering indexes (INCLUDE) let each screening partition read its
registrations by an index-only range scan (docs/PERFORMANCE.md), and the table belongs to another app;
(b) the seed guard is a trigger: once a wave's seed is drawn, no admin page, command or UPDATE can
change it or its commitment (docs/DOMAIN.md: the draw cannot be steered).
"""
from django.db import migrations

POSTGRES = [
    (
        "CREATE INDEX IF NOT EXISTS screening_reg_wave_nik_idx ON registration_registration (wave_id, nik_digest) INCLUDE (id)",
        "DROP INDEX IF EXISTS screening_reg_wave_nik_idx",
    ),
    (
        "CREATE INDEX IF NOT EXISTS screening_reg_wave_kk_idx ON registration_registration (wave_id, kk_digest)"
        " INCLUDE (registered_at, id)",
        "DROP INDEX IF EXISTS screening_reg_wave_kk_idx",
    ),
    (
        """
        CREATE OR REPLACE FUNCTION wave_seed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND OLD.seed <> '' AND
             (NEW.seed IS DISTINCT FROM OLD.seed OR NEW.seed_commitment IS DISTINCT FROM OLD.seed_commitment) THEN
            RAISE EXCEPTION 'The lottery seed of wave % cannot be changed once drawn.', OLD.number
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
    ),
]

SQLITE = [
    (
        "CREATE INDEX IF NOT EXISTS screening_reg_wave_nik_idx ON registration_registration (wave_id, nik_digest, id)",
        "DROP INDEX IF EXISTS screening_reg_wave_nik_idx",
    ),
    (
        "CREATE INDEX IF NOT EXISTS screening_reg_wave_kk_idx ON registration_registration"
        " (wave_id, kk_digest, registered_at, id)",
        "DROP INDEX IF EXISTS screening_reg_wave_kk_idx",
    ),
    (
        """
        CREATE TRIGGER IF NOT EXISTS wave_seed_guard BEFORE UPDATE OF seed, seed_commitment ON registration_wave
        WHEN OLD.seed <> '' AND (NEW.seed IS NOT OLD.seed OR NEW.seed_commitment IS NOT OLD.seed_commitment)
        BEGIN SELECT RAISE(ABORT, 'The lottery seed cannot be changed once drawn.'); END
        """,
        "DROP TRIGGER IF EXISTS wave_seed_guard",
    ),
]


def _statements(schema_editor):
    return POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE


def forwards(apps, schema_editor):
    for create, _drop in _statements(schema_editor):
        schema_editor.execute(create, params=None)


def backwards(apps, schema_editor):
    for _create, drop in reversed(_statements(schema_editor)):
        schema_editor.execute(drop, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("eligibility", "0002_screening_partitions"),
        ("registration", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
