"""Duplicate NIKs are found by their digests' prefixes, kept while digesting, and deleted from the loaded table:
one row per NIK, the one with the smallest KK digest when any line had one; a NIK that only shares a prefix with
another stays, and the counts on the version are exact whichever way the duplicates were found."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eligibility.lists import digests, files
from eligibility.lists.digests import DigestPool
from eligibility.lists.files import ListLayout
from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import ExclusionList, ListCategory
from prakerja.lib.digest import digest_bytes
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_C, NIK_D, digest_param, table_rows, valid_niks

pytestmark = pytest.mark.django_db

KK_B = "3578010101200002"


def _load(write_csv, content: str, category: str = ListCategory.PRIOR_AWARDEE) -> tuple[ExclusionList, int]:
    """The loaded version (read back from the database) and how many times its primary key was built."""
    with CaptureQueriesContext(connection) as queries:
        version = load_exclusion_list(category=category, path_or_file=write_csv(content), file_name="l.csv", by=None)
    key_builds = sum("ADD PRIMARY KEY" in query["sql"] for query in queries.captured_queries)
    return ExclusionList.objects.get(pk=version.pk), key_builds


def _with_repeats(niks: list[str], repeats: list[tuple[str, str]]) -> str:
    """A prior-awardee file: every NIK once without a KK, then the (NIK, KK) lines of `repeats`."""
    return "nik,kk\n" + "".join(f"{nik},\n" for nik in niks) + "".join(f"{nik},{kk}\n" for nik, kk in repeats)


def _counts(version: ExclusionList) -> tuple:
    return version.status, version.line_count, version.row_count, version.duplicate_count, version.bad_row_count


@pytest.fixture
def small_blocks(monkeypatch):
    """A couple of lines a block, so that the lines of one NIK are digested in different blocks."""
    monkeypatch.setattr(files, "CHUNK_BYTES", 40)


@pytest.fixture
def digest_processes(settings, small_blocks):
    """Blocks digested in two worker processes (on PostgreSQL), several in flight."""
    settings.EXCLUSION_LIST_DIGEST_PROCESSES = 2
    settings.EXCLUSION_LIST_PARALLEL_MIN_BYTES = 0


def test_the_pool_returns_each_repeated_prefix_once():
    layout = ListLayout(nik_index=0, kk_index=None, delimiter=",", data_offset=4, size=100)
    with DigestPool(layout) as pool:
        list(pool.copy_rows(iter([f"{NIK_A}\n{NIK_C}\n{NIK_A}\n".encode(), f"{NIK_D}\n{NIK_A}\n{NIK_C}\n".encode()])))
        repeated = pool.repeated_prefixes()
    assert sorted(repeated) == sorted(digest_bytes(nik)[:digests.PREFIX_BYTES] for nik in [NIK_A, NIK_C])


def test_a_file_without_duplicates_has_no_repeated_prefix():
    layout = ListLayout(nik_index=0, kk_index=None, delimiter=",", data_offset=4, size=100)
    with DigestPool(layout) as pool:
        list(pool.copy_rows(iter([f"{NIK_A}\n{NIK_C}\n{NIK_D}\n".encode()])))
        assert pool.repeated_prefixes() == []


def test_it_removes_duplicates_within_one_block(write_csv, probe_everything):
    version, key_builds = _load(write_csv, f"nik,kk\n{NIK_A},\n{NIK_A},\n{NIK_C},\n")

    assert _counts(version) == ("active", 3, 2, 1, 0)
    assert table_rows(version.table_name) == sorted([(digest_param(NIK_A), None), (digest_param(NIK_C), None)])
    if connection.vendor == "postgresql":
        assert key_builds == 1


def test_it_removes_duplicates_across_blocks(write_csv, probe_everything, small_blocks):
    niks = valid_niks(20)
    content = "nik\n" + "".join(f"{nik}\n" for nik in niks + niks[:5] + niks[:2])  # 5 twice, 2 of them thrice

    version, _ = _load(write_csv, content, ListCategory.BANSOS)

    assert _counts(version) == ("active", 27, 20, 7, 0)
    assert [nik for nik, _ in table_rows(version.table_name)] == sorted(digest_param(nik) for nik in niks)


def test_it_removes_duplicates_digested_by_different_processes(write_csv, probe_everything, digest_processes):
    niks = valid_niks(40)  # the first and the last in blocks far apart, so digested by different processes

    version, _ = _load(write_csv, _with_repeats(niks, [(niks[0], KK_A), (niks[39], "")]))

    assert _counts(version) == ("active", 42, 40, 2, 0)
    rows = dict(table_rows(version.table_name))
    assert (len(rows), rows[digest_param(niks[0])], rows[digest_param(niks[39])]) == (40, digest_param(KK_A), None)


def test_a_nik_three_times_keeps_one_row_with_the_smallest_kk(write_csv, probe_everything):
    smallest = min([KK_A, KK_B], key=lambda kk: digest_bytes(kk))
    content = f"nik,kk\n{NIK_A},{KK_B}\n{NIK_A},\n{NIK_A},{KK_A}\n{NIK_C},\n"

    version, _ = _load(write_csv, content)

    assert _counts(version) == ("active", 4, 2, 2, 0)
    assert table_rows(version.table_name) == sorted([(digest_param(NIK_A), digest_param(smallest)),
                                                     (digest_param(NIK_C), None)])


def test_a_nik_whose_lines_have_no_kk_keeps_one_row_without_one(write_csv, probe_everything):
    version, _ = _load(write_csv, f"nik,kk\n{NIK_A},\n{NIK_C},{KK_A}\n{NIK_A},\n")

    assert _counts(version) == ("active", 3, 2, 1, 0)
    assert dict(table_rows(version.table_name)) == {digest_param(NIK_A): None, digest_param(NIK_C): digest_param(KK_A)}


def test_two_niks_that_share_a_prefix_both_stay(write_csv, probe_everything, monkeypatch):
    # A one-byte prefix: among a few dozen NIKs two different ones share it, as two of ten million would share
    # the real eight bytes about once in 2**64 / 10**7 pairs. Only the whole digests tell them apart.
    monkeypatch.setattr(digests, "PREFIX_BYTES", 1)
    by_first_byte: dict[int, str] = {}
    for nik in valid_niks(100):
        first = digest_bytes(nik)[0]
        if first in by_first_byte:
            one, other = by_first_byte[first], nik
            break
        by_first_byte[first] = nik
    content = f"nik,kk\n{one},\n{other},{KK_A}\n{one},{KK_B}\n{NIK_D},\n"

    version, key_builds = _load(write_csv, content)

    assert _counts(version) == ("active", 4, 3, 1, 0)
    assert dict(table_rows(version.table_name)) == {
        digest_param(one): digest_param(KK_B), digest_param(other): digest_param(KK_A), digest_param(NIK_D): None}
    if connection.vendor == "postgresql":
        assert key_builds == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_prefix_shared_without_a_duplicate_deletes_nothing(write_csv):
    from eligibility.lists.tables import _delete_duplicates

    version, _ = _load(write_csv, f"nik,kk\n{NIK_A},\n{NIK_C},{KK_A}\n{NIK_D},\n")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {version.table_name} DROP CONSTRAINT {version.table_name}_pkey")
        # The empty prefix: every row is looked at, none has a second line.
        assert _delete_duplicates(cursor, version.pk, [b""]) == 0
    assert len(table_rows(version.table_name)) == 3


def test_duplicates_the_probe_missed_are_removed_after_the_key_failed(write_csv, probe_nothing, small_blocks):
    niks = valid_niks(10)

    version, key_builds = _load(write_csv, _with_repeats(niks, [(niks[3], KK_A), (niks[3], ""), (niks[7], "")]))

    assert _counts(version) == ("active", 13, 10, 3, 0)
    rows = dict(table_rows(version.table_name))
    assert len(rows) == 10 and rows[digest_param(niks[3])] == digest_param(KK_A)
    if connection.vendor == "postgresql":
        assert key_builds == 2  # the first failed on the duplicates


def test_counts_with_bad_lines_and_duplicates(write_csv, probe_everything, no_confirmation):
    content = f"nik\n{NIK_A}\n99{NIK_C[2:]}\n{NIK_A}\n{NIK_C}\n{NIK_C}\n{NIK_D}\n"

    version, _ = _load(write_csv, content, ListCategory.BANSOS)

    assert _counts(version) == ("active", 6, 3, 2, 1)
