"""A 2020 recipient whose KK was mistyped stays on the prior-awardee list: the NIK is loaded without the KK,
and the KK problem is reported (line and reason) without counting the row as not loaded."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from eligibility.lists.services import is_nik_on_list, load_exclusion_list
from eligibility.models.lists import BadRowReason, ExclusionList, ListCategory
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_B, NIK_C, NIK_D, digest_param, table_rows

pytestmark = pytest.mark.django_db

FILE = (
    "nik,kk,nama\n"                     # 1 header
    f"{NIK_A},{KK_A},Siti\n"            # 2 good
    f"{NIK_B},3201 0101 2000,Budi\n"    # 3 KK 12 digits
    f"{NIK_C},0001010101200001,Andi\n"  # 4 KK province 00
    f"{NIK_D},,Dewi\n"                  # 5 no KK: loaded, nothing to report
)


def _load(write_csv, content: str = FILE) -> ExclusionList:
    return load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(content),
                               file_name="penerima-2020.csv", by=None)


def test_it_loads_the_nik_of_a_row_with_a_bad_kk_with_no_kk_digest(write_csv):
    version = _load(write_csv)

    assert version.status == ExclusionList.Status.ACTIVE
    assert (version.line_count, version.row_count, version.duplicate_count, version.bad_row_count,
            version.kk_dropped_count) == (4, 4, 0, 0, 2)
    assert dict(table_rows(version.table_name)) == {
        digest_param(NIK_A): digest_param(KK_A), digest_param(NIK_B): None, digest_param(NIK_C): None,
        digest_param(NIK_D): None,
    }
    for nik in (NIK_A, NIK_B, NIK_C, NIK_D):
        assert is_nik_on_list(nik=nik, category=ListCategory.PRIOR_AWARDEE) == [version]


def test_it_reports_the_bad_kk_with_its_line_and_says_the_nik_was_loaded(write_csv):
    version = _load(write_csv)

    assert list(version.bad_rows.order_by("line").values_list("line", "reason")) == [
        (3, BadRowReason.KK_FORMAT_NIK_LOADED), (4, BadRowReason.KK_PROVINCE_NIK_LOADED)]
    assert [row.get_reason_display() for row in version.bad_rows.order_by("line")] == [
        "KK is not 16 digits: the NIK was loaded without its KK",
        "KK has an invalid province code: the NIK was loaded without its KK",
    ]


def test_it_keeps_a_valid_kk_of_a_duplicate_nik_whose_other_line_has_a_bad_kk(write_csv):
    version = _load(write_csv, f"nik,kk\n{NIK_A},12\n{NIK_A},{KK_A}\n")

    assert (version.row_count, version.duplicate_count, version.bad_row_count, version.kk_dropped_count) == (
        1, 1, 0, 1)
    assert [kk for _, kk in table_rows(version.table_name)] == [digest_param(KK_A)]
    assert list(version.bad_rows.values_list("line", "reason")) == [(2, "kk_format_nik_loaded")]


def test_the_admin_offers_the_report_of_rows_loaded_without_their_kk(write_csv, staff_client):
    version = _load(write_csv)

    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[version.pk])).content.decode()
    assert "Rows loaded without their invalid KK" in page
    assert "Download the 2 reported rows (CSV): 0 not loaded, 2 loaded without their KK" in page
    bad = staff_client.get(reverse("admin:eligibility_exclusionlist_bad_rows", args=[version.pk]))
    lines = b"".join(bad.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines] == [
        ["line", "reason"], ["3", "kk_format_nik_loaded"], ["4", "kk_province_nik_loaded"]]


def test_the_command_counts_the_rows_loaded_without_their_kk(write_csv):
    out = StringIO()
    call_command("import_exclusions", "prior_awardee", str(write_csv(FILE)), "--yes", stdout=out)
    text = out.getvalue()
    for label, value in [("rows loaded", 4), ("bad rows", 0), ("rows loaded without their invalid KK", 2)]:
        assert f"{label}:" in text and text.split(f"{label}:")[1].split()[0] == str(value)
    assert "Line numbers and reasons" in text


def test_it_keeps_line_numbers_and_kk_digests_right_across_chunks_and_digest_processes(write_csv, settings,
                                                                                      monkeypatch):
    import eligibility.lists.files as lists  # the line reader reads its own CHUNK_BYTES

    settings.EXCLUSION_LIST_DIGEST_PROCESSES = 2  # worker processes on PostgreSQL
    settings.EXCLUSION_LIST_PARALLEL_MIN_BYTES = 0
    monkeypatch.setattr(lists, "CHUNK_BYTES", 64)  # a couple of lines a chunk: plain and parsed chunks mixed
    niks = [f"32{n:02d}014112900{n:03d}" for n in range(1, 41)]
    kks = [KK_A] * 40
    kks[9] = "9901010101200001"  # line 11: bad KK province
    kks[24] = "3.20101E+15"  # line 26: KK mangled by a spreadsheet
    content = "nik,kk\n" + "".join(f"{nik},{kk}\n" for nik, kk in zip(niks, kks))
    version = _load(write_csv, content)

    assert (version.status, version.row_count, version.bad_row_count, version.kk_dropped_count) == ("active", 40, 0, 2)
    assert list(version.bad_rows.order_by("line").values_list("line", "reason")) == [
        (11, "kk_province_nik_loaded"), (26, "kk_format_nik_loaded")]
    rows = dict(table_rows(version.table_name))
    assert rows[digest_param(niks[9])] is None and rows[digest_param(niks[24])] is None
    assert rows[digest_param(niks[10])] == digest_param(KK_A)
    assert is_nik_on_list(nik=niks[24], category=ListCategory.PRIOR_AWARDEE) == [version]
