"""A file without a single valid NIK never replaces the list in force: the load fails, says why, and keeps its
bad-rows report. (A file whose NIKs a spreadsheet wrote as 3.20101E+15 is refused before, as damage:
test_damage.py.)"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from eligibility.lists.tasks import load_exclusion_list_task
from eligibility.lists.services import ListFileError, is_nik_on_list, load_exclusion_list, start_exclusion_load
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_B, list_tables

pytestmark = pytest.mark.django_db

EXCEL = "nik,nama\n9901014112900001,Siti\n320101411290,Budi\n"  # no province 99; 12 digits
REFUSAL = (
    "No row of the file has a valid NIK (bad rows: 2), so nothing was loaded and the list in force did not change."
)


@pytest.fixture
def in_force(write_csv) -> ExclusionList:
    return load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_A}\n"),
                               file_name="asn-2021.csv", by=None)


def _assert_failed_and_list_in_force_unchanged(failed: ExclusionList, in_force: ExclusionList) -> None:
    assert failed.status == ExclusionList.Status.FAILED
    assert failed.error.startswith(REFUSAL) and "3.20101E+15" in failed.error
    assert (failed.line_count, failed.row_count, failed.bad_row_count, failed.table_name) == (2, 0, 2, "")
    assert list(failed.bad_rows.order_by("line").values_list("line", "reason")) == [(2, "province"), (3, "format")]
    assert ExclusionList.objects.active().get() == in_force
    assert is_nik_on_list(nik=NIK_A, category=ListCategory.ASN) == [in_force]
    assert list_tables() == {in_force.table_name}


def test_it_refuses_a_file_whose_every_nik_is_mangled_and_keeps_the_list_in_force(write_csv, in_force):
    with pytest.raises(ListFileError, match="No row of the file has a valid NIK"):
        load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(EXCEL), file_name="asn-2022.csv",
                            by=None)

    _assert_failed_and_list_in_force_unchanged(ExclusionList.objects.get(file_name="asn-2022.csv"), in_force)


def test_it_refuses_it_as_a_first_list_too(write_csv):
    with pytest.raises(ListFileError):
        load_exclusion_list(category=ListCategory.TNI, path_or_file=write_csv("nik\n\n12\n"), file_name="tni.csv",
                            by=None)
    version = ExclusionList.objects.get()
    assert (version.status, version.bad_row_count) == ("failed", 2)
    assert not ExclusionList.objects.active().exists() and list_tables() == set()


def test_it_refuses_a_prior_awardee_file_with_valid_kks_but_no_valid_nik(write_csv):
    with pytest.raises(ListFileError):
        load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(f"nik,kk\n12,{KK_A}\n"),
                            file_name="p.csv", by=None)
    assert list(ExclusionList.objects.values_list("status", "row_count", "bad_row_count")) == [("failed", 0, 1)]


def test_the_command_says_why_and_changes_nothing(write_csv, in_force):
    with pytest.raises(CommandError, match="No row of the file has a valid NIK"):
        call_command("import_exclusions", "asn", str(write_csv(EXCEL, name="asn-2022.csv")), "--yes")

    _assert_failed_and_list_in_force_unchanged(ExclusionList.objects.get(file_name="asn-2022.csv"), in_force)


def test_an_upload_fails_with_its_cause_and_bad_rows_in_the_admin(in_force, staff, staff_client, settings, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path / "uploads"
    with django_capture_on_commit_callbacks(execute=False):
        version = start_exclusion_load(category=ListCategory.ASN, upload=io.BytesIO(EXCEL.encode()),
                                       file_name="asn-2022.csv", by=staff)
    stored = Path(version.source_path)

    load_exclusion_list_task(version.pk)

    version.refresh_from_db()
    _assert_failed_and_list_in_force_unchanged(version, in_force)
    assert not stored.exists() and version.source_path == ""
    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[version.pk])).content.decode()
    assert "This load failed; the list in force did not change." in page and REFUSAL in page
    assert "Download the 2 bad rows (CSV)" in page
    bad = staff_client.get(reverse("admin:eligibility_exclusionlist_bad_rows", args=[version.pk]))
    lines = b"".join(bad.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "line,reason,reason,value (masked),likely cause"
    assert lines[1].startswith('2,province,NIK has an invalid province code,9901********0001,"The first two digits')
    assert lines[2].startswith('3,format,NIK is not 16 digits,320******290,"12 digits instead of 16')
    assert len(lines) == 3
    listing = staff_client.get(reverse("admin:eligibility_exclusionlist_changelist")).content.decode()
    assert "failed" in listing


def test_a_file_with_one_valid_nik_among_mangled_ones_still_loads(write_csv, in_force, no_confirmation):
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(EXCEL + f"{NIK_B},Andi\n"),
                                  file_name="asn-2022.csv", by=None)
    assert (version.status, version.row_count, version.bad_row_count) == ("active", 1, 2)
    assert is_nik_on_list(nik=NIK_B, category=ListCategory.ASN) == [version]
    assert is_nik_on_list(nik=NIK_A, category=ListCategory.ASN) == []
