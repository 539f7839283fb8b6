"""Bad rows are not loaded and not silently dropped: counted, with line number and reason."""
from __future__ import annotations

import pytest

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
