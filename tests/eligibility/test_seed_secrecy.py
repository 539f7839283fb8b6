"""The lottery seed stays secret until the selection: sealed at rest, never answered by an admin filter, opened
only by the selection, and who published and drew the wave is recorded."""
import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from eligibility.screening.sql import ScreeningError
from eligibility.waves import unsealed_seed
from prakerja.lib.sealing import seal, unseal
from registration.models import User, Wave
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

migration = importlib.import_module("registration.migrations.0007_wave_sealed_seed_published_by")
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def _row(wave: Wave) -> list[str]:
    """Every column of the wave's row as the database holds it (what a database copy would show)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registration_wave WHERE id = %s", [wave.pk])
        return [str(value) for value in cursor.fetchone()]


def test_it_stores_only_the_sealed_seed_and_its_commitment(open_wave_12, staff):
    seed = unsealed_seed(open_wave_12)
    row = _row(open_wave_12)
    assert not any(seed in value for value in row)
    assert [value for value in row if HEX64.fullmatch(value)] == [open_wave_12.seed_commitment]
    assert open_wave_12.published_by == staff
    assert Wave.objects.get(pk=open_wave_12.pk).published_by_id == staff.pk


def test_it_cannot_open_the_seed_without_the_key(open_wave_12):
    with override_settings(SEED_ENCRYPTION_KEY="another-key-another-key-another-key"):
        with pytest.raises(ScreeningError) as refused:
            unsealed_seed(open_wave_12)
    assert "SEED_ENCRYPTION_KEY" in str(refused.value)


@pytest.fixture
def wave_viewer(db) -> User:
    """Staff who may only view waves: the person of the attack."""
    user = User.objects.create_user(email="lihat@prakerja.go.id", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_wave"))
    return user


@pytest.mark.parametrize("lookup", ["seed__startswith", "seed", "sealed_seed__startswith", "seed__gt",
                                    "seed_commitment__startswith", "seed__regex", "sealed_seed__contains"])
@pytest.mark.parametrize("who", ["wave_viewer", "staff"])
def test_it_refuses_every_filter_on_the_seed_in_the_wave_list(client, open_wave_12, lookup, who, request):
    client.force_login(request.getfixturevalue(who))
    url = reverse("admin:registration_wave_changelist")
    assert client.get(url, {"number": 12}).status_code == 200
    seed = unsealed_seed(open_wave_12)
    for guess in (seed[:1], seed):
        response = client.get(url, {"number": 12, lookup: guess})
        assert response.status_code == 400
        assert b"Gelombang 12" not in response.content


def test_it_refuses_the_reported_attack(client, wave_viewer, open_wave_12):
    """The review's `?number=15&seed__startswith=c`, against wave 12 (a published wave's number is frozen)."""
    client.force_login(wave_viewer)
    response = client.get("/admin/registration/wave/?number=12&seed__startswith=c")
    assert response.status_code == 400


def test_it_seals_the_seeds_the_database_held_in_clear(open_wave_12):
    """The data migration: an unrevealed seed is sealed and cleared, a revealed one sealed and kept."""
    seed = unsealed_seed(open_wave_12)

    class Editor:
        def execute(self, sql, params=None):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    Editor.connection = connection
    migration.drop_guards(apps, Editor())
    Wave.objects.filter(pk=open_wave_12.pk).update(seed=seed, sealed_seed="")  # as before the migration
    migration.seal_existing_seeds(apps, Editor())
    migration.create_guards(apps, Editor())
    wave = Wave.objects.get(pk=open_wave_12.pk)
    assert (wave.seed, unseal(wave.sealed_seed)) == ("", seed)


def test_an_error_report_of_the_selection_hides_the_seed(open_wave_12, rf):
    """The technical error page and mailed error reports show the selection's variables: the seed as ********."""
    import sys

    from django.views.debug import ExceptionReporter

    from eligibility.screening import sql
    from eligibility.waves import select_awardees

    Wave.objects.filter(pk=open_wave_12.pk).update(status=Wave.Status.SCREENED)
    with pytest.raises(ZeroDivisionError):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sql, "is_postgres", lambda: 1 / 0)  # fails inside rank_eligible
            try:
                select_awardees(wave=Wave.objects.get(pk=open_wave_12.pk), by=None)
            except ZeroDivisionError:
                report = ExceptionReporter(rf.get("/"), *sys.exc_info()).get_traceback_html()
                raise
    assert "select_awardees" in report and "rank_eligible" in report and "********" in report
    assert unsealed_seed(open_wave_12) not in report  # opened only now: this test's own frame is in the report
