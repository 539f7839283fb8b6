"""A load that fails leaves the list in force untouched and shows its cause; progress is visible meanwhile."""
from __future__ import annotations

import pytest

import eligibility.lists.services as lists
from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import NIK_A, NIK_B, list_tables, on_table


@pytest.mark.django_db
def test_a_failed_load_changes_nothing_but_its_own_status(write_csv, monkeypatch, no_confirmation):
    old = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_A}\n"), file_name="a",
                              by=None)

    def broken_swap(version, **fields):
        raise RuntimeError("disk full")

    monkeypatch.setattr(lists, "_swap", broken_swap)
    with pytest.raises(RuntimeError):
        load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_B}\n12\n"), file_name="b",
                            by=None)
    failed = ExclusionList.objects.exclude(pk=old.pk).get()
    assert (failed.status, failed.error, failed.table_name) == ("failed", "RuntimeError: disk full", "")
    assert not failed.bad_rows.exists()
    assert ExclusionList.objects.active().get() == old
    assert list_tables() == {old.table_name} and on_table(old.table_name, NIK_A)


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_from_another_connection_while_loading():
    version = ExclusionList.objects.create(category=ListCategory.TNI, file_name="tni.csv")
    with lists._ProgressWriter(version.pk, interval=0.01) as progress:
        progress.value = 37
        for _ in range(500):  # waits for the writer thread, not for the clock
            if ExclusionList.objects.get(pk=version.pk).progress == 37:
                break
            progress._stop.wait(0.01)
    assert ExclusionList.objects.get(pk=version.pk).progress == 37
