"""Duplicate NIKs seen while digesting: they are deleted before the table's unique index is tried once, and the
table ends the same as when the index fails first (duplicates the probe missed)."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eligibility.lists.digests import DigestPool, _probe_sample
from eligibility.lists.files import ListLayout
from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import ListCategory
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_C, NIK_D, digest_param, table_rows

pytestmark = pytest.mark.django_db

# NIK_A three times: once without a KK, once with one, once without again.
PRIOR_AWARDEES = f"nik,kk\n{NIK_A},\n{NIK_C},\n{NIK_A},{KK_A}\n{NIK_D},\n{NIK_A},\n"


def test_it_samples_the_digests_that_start_with_a_zero_byte():
    kept, other, zero = b"\x00" + b"a" * 15, b"\x01" * 16, b"\x00" * 16
    assert _probe_sample(b"".join([kept, other, zero, other])) == [kept, zero]
    assert _probe_sample(b"") == []


def test_the_probe_sees_a_nik_repeated_in_a_later_block(probe_everything):
    layout = ListLayout(nik_index=0, kk_index=None, delimiter=",", data_offset=4, size=100)
    with DigestPool(layout) as pool:
        list(pool.copy_rows(iter([f"{NIK_A}\n{NIK_C}\n".encode(), f"{NIK_D}\n".encode()])))
        assert not pool.duplicates_seen
        list(pool.copy_rows(iter([f"{NIK_A}\n".encode()])))
        assert pool.duplicates_seen


def test_the_probe_sees_a_nik_repeated_in_one_block(probe_everything):
    layout = ListLayout(nik_index=0, kk_index=None, delimiter=",", data_offset=4, size=100)
    with DigestPool(layout) as pool:
        list(pool.copy_rows(iter([f"{NIK_A}\n{NIK_A}\n".encode()])))
        assert pool.duplicates_seen


def _load_prior_awardees(write_csv):
    with CaptureQueriesContext(connection) as queries:
        version = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE,
                                      path_or_file=write_csv(PRIOR_AWARDEES), file_name="p.csv", by=None)
    key_builds = [query["sql"] for query in queries.captured_queries if "ADD PRIMARY KEY" in query["sql"]]
    return version, len(key_builds)


def _primary_key_columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary", [table])
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_duplicates_seen_are_removed_before_the_key_is_built_once(write_csv, probe_everything):
    version, key_builds = _load_prior_awardees(write_csv)

    assert key_builds == 1
    assert (version.status, version.line_count, version.row_count, version.duplicate_count) == ("active", 5, 3, 2)
    assert table_rows(version.table_name) == sorted([
        (digest_param(NIK_A), digest_param(KK_A)), (digest_param(NIK_C), None), (digest_param(NIK_D), None)])
    assert _primary_key_columns(version.table_name) == ["nik_digest"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_duplicates_the_probe_missed_end_in_the_same_table(write_csv, probe_nothing):
    version, key_builds = _load_prior_awardees(write_csv)

    assert key_builds == 2  # the first failed on the duplicates
    assert (version.status, version.line_count, version.row_count, version.duplicate_count) == ("active", 5, 3, 2)
    assert table_rows(version.table_name) == sorted([
        (digest_param(NIK_A), digest_param(KK_A)), (digest_param(NIK_C), None), (digest_param(NIK_D), None)])
    assert _primary_key_columns(version.table_name) == ["nik_digest"]
