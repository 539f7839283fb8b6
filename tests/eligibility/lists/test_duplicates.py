"""A NIK that appears several times in one file counts once."""
from __future__ import annotations

import pytest

from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import ListCategory
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_C, digest_param, table_rows

pytestmark = pytest.mark.django_db


def test_it_counts_duplicates_once(write_csv):
    content = f"nik\n{NIK_A}\n{NIK_C}\n{NIK_A}\n{NIK_A[:8]} {NIK_A[8:]}\n"
    version = load_exclusion_list(category=ListCategory.BANSOS, path_or_file=write_csv(content), file_name="b.csv",
                                  by=None)
    assert (version.line_count, version.row_count, version.duplicate_count, version.bad_row_count) == (4, 2, 2, 0)
    assert [nik for nik, _ in table_rows(version.table_name)] == sorted([digest_param(NIK_A), digest_param(NIK_C)])


def test_it_keeps_the_kk_of_a_duplicate_that_has_one(write_csv):
    content = f"nik,kk\n{NIK_A},\n{NIK_A},{KK_A}\n{NIK_A},\n"
    version = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(content),
                                  file_name="p.csv", by=None)
    assert (version.row_count, version.duplicate_count) == (1, 2)
    assert table_rows(version.table_name) == [(digest_param(NIK_A), digest_param(KK_A))]
