"""A new load replaces its category's list atomically; a running screening keeps the version it started with."""
from __future__ import annotations

import pytest

from eligibility.lists.services import load_exclusion_list, release_unused_list_tables
from eligibility.models.lists import ExclusionList, ListCategory
from eligibility.models.screening import ScreeningRun
from tests.eligibility.lists.conftest import NIK_A, NIK_B, list_tables, on_table, table_exists

pytestmark = pytest.mark.django_db


def _load(write_csv, category: str, *niks: str) -> ExclusionList:
    path = write_csv("nik\n" + "\n".join(niks) + "\n")
    return load_exclusion_list(category=category, path_or_file=path, file_name=path.name, by=None)


def test_it_replaces_the_active_version_of_the_category_only(write_csv):
    old = _load(write_csv, ListCategory.ASN, NIK_A)
    other = _load(write_csv, ListCategory.TNI, NIK_A)
    new = _load(write_csv, ListCategory.ASN, NIK_B)
    statuses = dict(ExclusionList.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "replaced", other.pk: "active", new.pk: "active"}
    assert list(ExclusionList.objects.active().filter(category=ListCategory.ASN)) == [new]
    assert on_table(new.table_name, NIK_B) and not on_table(new.table_name, NIK_A)
    # No screening runs: the replaced table is released at the end of the load.
    old.refresh_from_db()
    assert old.table_name == "" and old.released_at is not None
    assert list_tables() == {other.table_name, new.table_name}


def test_the_database_allows_one_active_version_per_category(write_csv):
    from django.db import IntegrityError, transaction

    first = _load(write_csv, ListCategory.ASN, NIK_A)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExclusionList.objects.create(category=ListCategory.ASN, file_name="x", status=ExclusionList.Status.ACTIVE)
    assert ExclusionList.objects.active().get(category=ListCategory.ASN) == first


def test_a_running_screening_keeps_the_old_table_until_it_is_done(write_csv, open_wave_12):
    old = _load(write_csv, ListCategory.BANSOS, NIK_A)
    run = ScreeningRun.objects.create(
        wave=open_wave_12, status=ScreeningRun.Status.RUNNING,
        list_versions=[{"category": old.category, "version_id": old.pk, "table_name": old.table_name,
                        "file_name": old.file_name, "loaded_by": "", "loaded_at": "", "row_count": old.row_count}],
    )
    new = _load(write_csv, ListCategory.BANSOS, NIK_B)
    old.refresh_from_db()
    assert old.status == ExclusionList.Status.REPLACED and new.status == ExclusionList.Status.ACTIVE
    assert release_unused_list_tables() == []
    assert table_exists(old.table_name) and on_table(old.table_name, NIK_A)

    run.status = ScreeningRun.Status.DONE
    run.save(update_fields=["status"])
    assert release_unused_list_tables() == [old.table_name]
    assert not table_exists(old.table_name)
    old.refresh_from_db()
    assert old.table_name == "" and old.released_at is not None
    assert table_exists(new.table_name)
