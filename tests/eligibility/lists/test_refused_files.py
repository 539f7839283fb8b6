"""A file without a `nik` column, empty, not UTF-8 or not CSV at all is refused whole: nothing changes."""
from __future__ import annotations

import pytest

from eligibility.lists.services import ListFileError, load_exclusion_list
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import NIK_A, list_tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_asn(write_csv):
    return load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_A}\n"), file_name="a",
                               by=None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nama,alamat\nSiti,Bogor\n", "nik"),
        (b"", "empty"),
        ("   \n\n", "empty"),
        ("nik\n", "no rows"),
        ("nik\n\n\n", "no rows"),
        (f"nik,nama\n{NIK_A},Siti\n{NIK_A},Sr\xe9\n".encode("latin-1"), r"in Windows-1252 \(ANSI\), not UTF-8 \(first problem on line 3\)"),
        (b"\xff\xfen\x00i\x00k\x00\n\x00", "in UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "ZIP"),
    ],
    ids=["no-nik-column", "zero-bytes", "blank", "header-only", "header-and-blank-lines", "latin-1", "utf-16", "xlsx"],
)
def test_it_refuses_the_file_and_changes_nothing(write_csv, active_asn, content, message):
    with pytest.raises(ListFileError, match=message):
        load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(content), file_name="x", by=None)
    assert list(ExclusionList.objects.values_list("pk", "status")) == [(active_asn.pk, "active")]
    assert list_tables() == {active_asn.table_name}


def test_it_refuses_an_unknown_category(write_csv):
    with pytest.raises(ListFileError, match="pns"):
        load_exclusion_list(category="pns", path_or_file=write_csv(f"nik\n{NIK_A}\n"), file_name="x", by=None)
    assert not ExclusionList.objects.exists()


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(ListFileError, match="not found"):
        load_exclusion_list(category=ListCategory.ASN, path_or_file=tmp_path / "none.csv", file_name="x", by=None)
    assert not ExclusionList.objects.exists()
