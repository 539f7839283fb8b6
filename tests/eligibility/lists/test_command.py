"""`manage.py import_exclusions CATEGORY FILE`."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from eligibility.models.lists import ExclusionList
from tests.eligibility.lists.conftest import NIK_A, NIK_B

pytestmark = pytest.mark.django_db


def test_it_loads_a_file_and_prints_the_counts(write_csv, staff, no_confirmation):
    out = StringIO()
    path = write_csv(f"nik\n{NIK_A}\n{NIK_B}\n{NIK_A}\nxyz\n", name="bsu.csv")
    call_command("import_exclusions", "bsu", str(path), "--by", staff.email, "--yes", stdout=out)
    version = ExclusionList.objects.get()
    assert (version.status, version.category, version.file_name, version.loaded_by) == ("active", "bsu", "bsu.csv",
                                                                                        staff)
    text = out.getvalue()
    for label, value in [("lines read", 4), ("rows loaded", 2), ("duplicate rows", 1), ("bad rows", 1)]:
        assert f"{label}:" in text and text.split(f"{label}:")[1].split()[0] == str(value)


def test_it_lists_the_valid_categories_for_an_unknown_one(write_csv):
    with pytest.raises(CommandError, match="Kategori daftar “pns” tidak dikenal: gunakan salah satu dari "
                                           "pejabat_negara, dprd, asn.* / Unknown list category “pns”: use one of "
                                           "pejabat_negara, dprd, asn"):
        call_command("import_exclusions", "pns", str(write_csv(f"nik\n{NIK_A}\n")), "--yes")
    assert not ExclusionList.objects.exists()


def test_it_says_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_exclusions", "asn", str(tmp_path / "missing.csv"), "--yes")


def test_it_explains_a_refused_file(write_csv):
    with pytest.raises(CommandError, match="nik"):
        call_command("import_exclusions", "asn", str(write_csv("nama\nSiti\n")), "--yes")
    assert not ExclusionList.objects.exists()


def test_it_refuses_an_unknown_staff_account(write_csv):
    with pytest.raises(CommandError, match="tidak ada akun staf aktif .* / .*no active staff account"):
        call_command("import_exclusions", "asn", str(write_csv(f"nik\n{NIK_A}\n")), "--by", "nobody@example.com", "--yes")
