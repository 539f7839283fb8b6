"""A good file is loaded as digests only and matches applicants by the digest they registered with."""
from __future__ import annotations

import re

import pytest
from django.db import connection  # noqa: F401 (skipif)

from eligibility.lists.services import is_nik_on_list, load_exclusion_list
from eligibility.models.lists import ExclusionList, ListCategory
from prakerja.lib.digest import keyed_digest
from registration.models import Registration
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_B, NIK_C, NIK_D, list_tables, on_table, table_rows

pytestmark = pytest.mark.django_db


def test_it_loads_a_file_and_activates_it(write_csv, staff):
    path = write_csv(f"nik,nama\n{NIK_A},Siti\n{NIK_C},Andi\n{NIK_D},Cut\n")
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=path, file_name="asn.csv", by=staff)
    version = ExclusionList.objects.get(pk=version.pk)
    assert version.status == ExclusionList.Status.ACTIVE
    assert version.table_name == f"exclusion_list_{version.pk}"
    assert (version.line_count, version.row_count, version.duplicate_count, version.bad_row_count) == (3, 3, 0, 0)
    assert version.progress == 100 and version.activated_at is not None
    assert version.loaded_by == staff and version.file_name == "asn.csv"
    assert on_table(version.table_name, NIK_A) and on_table(version.table_name, NIK_D)
    assert not on_table(version.table_name, NIK_B)


def test_it_matches_a_registration_by_its_nik_digest(write_csv, applicant, other_applicant, open_wave_12):
    mine = Registration.objects.create(wave=open_wave_12, applicant=applicant, nik_digest=keyed_digest(applicant.nik),
                                       kk_digest=keyed_digest(applicant.kk))
    Registration.objects.create(wave=open_wave_12, applicant=other_applicant,
                                nik_digest=keyed_digest(other_applicant.nik), kk_digest=keyed_digest(other_applicant.kk))
    path = write_csv(f"NIK\n{applicant.nik}\n{NIK_C}\n")
    version = load_exclusion_list(category=ListCategory.BANSOS, path_or_file=path, file_name="b.csv", by=None)
    # The join the screening does, on either backend's storage of a UUIDField.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM {Registration._meta.db_table} r"
            f" JOIN {connection.ops.quote_name(version.table_name)} l ON l.nik_digest = r.nik_digest"
        )
        assert [row[0] for row in cursor.fetchall()] == [mine.pk]


def test_it_never_stores_the_nik(write_csv):
    path = write_csv(f"nik\n{NIK_A}\n{NIK_B}\n")
    version = load_exclusion_list(category=ListCategory.TNI, path_or_file=path, file_name="t.csv", by=None)
    stored = " ".join(str(value) for row in table_rows(version.table_name) for value in row)
    assert NIK_A not in stored and NIK_B not in stored
    assert str(keyed_digest(NIK_A)).replace("-", "") in stored.replace("-", "")
    # The raw lines lived only in a staging table inside the load's transaction.
    assert list_tables() == {version.table_name}


def test_it_finds_the_nik_column_among_others_and_tidies_numbers(write_csv):
    content = (
        "Nama,Alamat,NIK,Keterangan\n"
        f'"Siti, S.Pd","Jl. Merdeka 1, Bogor",{NIK_A},aktif\n'
        f'Budi,Surabaya,"{NIK_B[:4]} {NIK_B[4:8]} {NIK_B[8:12]} {NIK_B[12:]}",\n'
        f"Andi,Makassar,{NIK_C[:6]}.{NIK_C[6:12]}.{NIK_C[12:]}\n"
    )
    version = load_exclusion_list(category=ListCategory.POLRI, path_or_file=write_csv(content), file_name="p.csv",
                                  by=None)
    assert (version.row_count, version.bad_row_count) == (3, 0)
    for number in (NIK_A, NIK_B, NIK_C):
        assert on_table(version.table_name, number)


def test_it_reads_semicolon_separated_files_with_windows_line_ends(write_csv):
    content = f"no;nama;nik\r\n1;Siti;{NIK_A}\r\n2;Andi;{NIK_C}\r\n".encode("utf-8-sig")
    version = load_exclusion_list(category=ListCategory.DPRD, path_or_file=write_csv(content), file_name="d.csv",
                                  by=None)
    assert (version.row_count, version.bad_row_count) == (2, 0)
    assert on_table(version.table_name, NIK_A) and on_table(version.table_name, NIK_C)


def test_it_keeps_kk_digests_of_the_prior_awardee_list_only(write_csv):
    content = f"nik,kk\n{NIK_A},{KK_A}\n{NIK_C},\n"
    prior = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(content),
                                file_name="2020.csv", by=None)
    rows = dict(table_rows(prior.table_name))
    from tests.eligibility.lists.conftest import digest_param

    assert rows == {digest_param(NIK_A): digest_param(KK_A), digest_param(NIK_C): None}
    other = load_exclusion_list(category=ListCategory.BSU, path_or_file=write_csv(content), file_name="bsu.csv",
                                by=None)
    assert {kk for _, kk in table_rows(other.table_name)} == {None}


def test_it_says_which_active_lists_hold_a_nik(write_csv):
    load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_A}\n"), file_name="a", by=None)
    load_exclusion_list(category=ListCategory.BSU, path_or_file=write_csv(f"nik\n{NIK_A}\n{NIK_B}\n"), file_name="b",
                        by=None)
    assert [v.category for v in is_nik_on_list(nik=NIK_A)] == ["asn", "bsu"]
    assert [v.category for v in is_nik_on_list(nik=f"{NIK_B[:8]} {NIK_B[8:]}")] == ["bsu"]
    assert is_nik_on_list(nik=NIK_A, category=ListCategory.TNI) == []
    assert is_nik_on_list(nik=NIK_C) == []
    with pytest.raises(ValueError):
        is_nik_on_list(nik="12345")


def test_it_loads_across_many_chunks_with_the_right_line_numbers(write_csv, monkeypatch):
    import eligibility.lists.files as lists  # the line reader reads its own CHUNK_BYTES

    monkeypatch.setattr(lists, "CHUNK_BYTES", 40)  # a chunk or two lines at a time
    good = [f"32{n:02d}014112900{n:03d}" for n in range(1, 31)]
    lines = list(good)
    lines[10] = "99" + good[10][2:]  # line 12: bad province, in the middle of the file
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv("nik\n" + "\n".join(lines)),
                                  file_name="a.csv", by=None)
    assert (version.line_count, version.row_count, version.bad_row_count) == (30, 29, 1)
    assert list(version.bad_rows.values_list("line", "reason")) == [(12, "province")]
    assert re.fullmatch(r"exclusion_list_\d+", version.table_name)


@pytest.mark.parametrize("key", ["dev-only-digest-key", "k" * 64, "kunci-rahasia-yang-sangat-panjang-" * 4, "kunci-ünik"])
def test_the_bulk_digest_is_the_applicants_digest(settings, key):
    from eligibility.lists.digests import Hasher as _Hasher
    from prakerja.lib.digest import digest_bytes

    settings.DIGEST_KEY = key
    assert _Hasher(key.encode()).digests([NIK_A.encode(), b"", NIK_B.encode()]) == [
        digest_bytes(NIK_A), None, digest_bytes(NIK_B)]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_it_digests_in_worker_processes_with_the_same_result(write_csv, settings, monkeypatch):
    import eligibility.lists.files as lists  # the line reader reads its own CHUNK_BYTES

    settings.EXCLUSION_LIST_DIGEST_PROCESSES = 2
    settings.EXCLUSION_LIST_PARALLEL_MIN_BYTES = 0
    monkeypatch.setattr(lists, "CHUNK_BYTES", 64)  # many blocks, several in flight
    niks = [f"32{n:02d}014112900{n:03d}" for n in range(2, 61)] + [NIK_A]
    content = "nik,kk\n" + "".join(f"{nik},{KK_A if n % 2 else ''}\n" for n, nik in enumerate(niks))
    version = load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(content),
                                  file_name="p.csv", by=None)
    assert (version.row_count, version.bad_row_count) == (60, 0)
    from tests.eligibility.lists.conftest import digest_param

    rows = dict(table_rows(version.table_name))
    assert rows[digest_param(niks[0])] is None and rows[digest_param(NIK_A)] == digest_param(KK_A)
    assert all(on_table(version.table_name, nik) for nik in niks)
