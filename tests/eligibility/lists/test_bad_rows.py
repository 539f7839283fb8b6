"""Bad rows are not loaded and not silently dropped: counted, with line number and reason."""
from __future__ import annotations

import pytest
from django.utils import translation

from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import ListCategory
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_B, NIK_C, on_table

pytestmark = pytest.mark.django_db

FILE = (
    "nik,nama\n"            # 1 header
    f"{NIK_A},Siti\n"       # 2 good
    ",Tanpa NIK\n"          # 3 empty NIK
    "\n"                    # 4 blank line
    "12345,Pendek\n"        # 5 not 16 digits
    "0001014112900001,X\n"  # 6 province 00
    "3201a14112900001,Y\n"  # 7 a letter
    f"{NIK_B}9,Z\n"         # 8 17 digits
    f"{NIK_C},Andi\n"       # 9 good
    "Bukan\n"               # 10 a name only
    "\"32010141129\n"       # 11 unbalanced quote
)


def test_it_records_every_bad_row_with_its_line_and_reason(write_csv):
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(FILE), file_name="a.csv", by=None)
    assert (version.line_count, version.row_count, version.bad_row_count, version.duplicate_count) == (10, 2, 8, 0)
    assert list(version.bad_rows.order_by("line").values_list("line", "reason")) == [
        (3, "empty"), (4, "empty"), (5, "format"), (6, "province"), (7, "format"), (8, "format"),
        (10, "format"), (11, "format"),
    ]
    assert on_table(version.table_name, NIK_A) and on_table(version.table_name, NIK_C)


def test_it_reports_a_bad_kk_without_counting_its_row_as_bad(write_csv):
    content = (
        "nik,kk\n"
        f"{NIK_A},{KK_A}\n"          # 2 good
        f"{NIK_B},12345\n"           # 3 KK not 16 digits: the NIK is loaded
        f"{NIK_C},0001010101200001\n"  # 4 KK province 00: the NIK is loaded
        "12345,0001010101200001\n"    # 5 bad NIK: not loaded, reported for the NIK only
    )
    version = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(content),
                                  file_name="p.csv", by=None)
    assert (version.line_count, version.row_count, version.bad_row_count, version.kk_dropped_count) == (4, 3, 1, 2)
    assert list(version.bad_rows.order_by("line").values_list("line", "reason")) == [
        (3, "kk_format_nik_loaded"), (4, "kk_province_nik_loaded"), (5, "format")]
    assert all(on_table(version.table_name, nik) for nik in (NIK_A, NIK_B, NIK_C))


def test_it_refuses_a_nik_the_applicants_rule_refuses(write_csv):
    # The same rule as the profile form (prakerja.lib.identity): region, birth date and serial are checked too.
    content = (
        "nik\n"
        f"{NIK_A}\n"             # 2 good
        "3201013102900001\n"     # 3 31 February
        "3201017202900001\n"     # 4 a woman's 32nd (72 - 40)
        "3201012902910001\n"     # 5 29 February 1991, not a leap year
        "3201014112900000\n"     # 6 serial 0000
        "3200014112900001\n"     # 7 regency 00
        "3201004112900001\n"     # 8 district 00
        "3201016902000001\n"     # 9 good: 29 February 2000
    )
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(content), file_name="a.csv",
                                  by=None)
    assert (version.row_count, version.bad_row_count) == (2, 6)
    assert list(version.bad_rows.order_by("line").values_list("line", "reason")) == [
        (3, "birth_date"), (4, "birth_date"), (5, "birth_date"), (6, "serial"), (7, "region"), (8, "region")]
    with translation.override("id"):
        assert [row.get_reason_display() for row in version.bad_rows.order_by("line")][-2:] == [
            "Kode kabupaten/kota atau kecamatan NIK 00"] * 2
    assert on_table(version.table_name, NIK_A) and on_table(version.table_name, "3201016902000001")
    assert not on_table(version.table_name, "3201014112900000")


def test_it_loads_a_nik_without_a_kk_whose_region_is_00(write_csv):
    content = f"nik,kk\n{NIK_A},3200010101200001\n"
    version = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(content),
                                  file_name="p.csv", by=None)
    assert (version.row_count, version.kk_dropped_count) == (1, 1)
    assert list(version.bad_rows.values_list("line", "reason")) == [(2, "kk_region_nik_loaded")]
