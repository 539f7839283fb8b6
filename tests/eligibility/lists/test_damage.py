"""A list file a spreadsheet damaged is refused as a whole, naming the damage, its lines and the fix.

The files are shaped as Excel writes them with Indonesian settings: `;` delimiter, a UTF-8 byte-order mark,
CRLF line ends, and NIKs that went through a number format.
"""
from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from eligibility.lists.damage import _improbable
from eligibility.lists.services import ListFileError, is_nik_on_list, load_exclusion_list, start_exclusion_load
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import NIK_A, excel_truncated, list_tables, valid_niks

pytestmark = pytest.mark.django_db

FIX = "Format the “nik” column as Text"


def excel_csv(rows: list[str], header: str = "nik;nama") -> bytes:
    """An Excel "CSV UTF-8" export with Indonesian regional settings."""
    return ("\ufeff" + "\r\n".join([header] + rows) + "\r\n").encode()


@pytest.fixture
def in_force(write_csv) -> ExclusionList:
    return load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_A}\n"),
                               file_name="asn-2021.csv", by=None)


def _refused(write_csv, content, in_force) -> str:
    with pytest.raises(ListFileError) as refusal:
        load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(content), file_name="asn.csv", by=None)
    # Refused before anything is stored: no version, no table, the list in force unchanged.
    assert list(ExclusionList.objects.all()) == [in_force]
    assert list_tables() == {in_force.table_name}
    assert is_nik_on_list(nik=NIK_A, category=ListCategory.ASN) == [in_force]
    return str(refusal.value)


def test_it_refuses_the_excel_truncated_file_of_the_issue(write_csv, in_force):
    # 3273021201900007 typed into a number cell is kept as 3273021201900000: still 16 digits, a valid province.
    rows = [f"{excel_truncated(nik)};Nama {i}" for i, nik in enumerate(["3273021201900007"] + valid_niks(7))]

    message = _refused(write_csv, excel_csv(rows), in_force)

    assert "8 of 8 NIKs end in 0 (by chance about 1 in 10), e.g. on lines 2, 3, 4, 5, 6, ...: a spreadsheet stored " \
           "them as numbers, which keep only 15 digits" in message
    assert message.startswith("The file was refused because a spreadsheet damaged it, and nothing was loaded")
    assert FIX in message


def test_it_refuses_a_file_where_a_third_of_the_niks_lost_their_16th_digit(write_csv, in_force):
    niks = valid_niks(300)
    rows = [excel_truncated(nik) if i % 3 == 0 else nik for i, nik in enumerate(niks)]
    assert 0.3 < sum(row.endswith("0") for row in rows) / 300 < 0.45

    assert "NIKs end in 0" in _refused(write_csv, "nik\n" + "\n".join(rows) + "\n", in_force)


def test_it_loads_a_clean_file_whose_last_digits_fall_as_chance_has_them(write_csv, in_force):
    niks = valid_niks(2000)  # serials 1001-3000: one in ten ends in 0
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv("nik\n" + "\n".join(niks) + "\n"),
                                  file_name="asn.csv", by=None, )
    assert (version.status, version.row_count, version.bad_row_count) == ("active", 2000, 0)


@pytest.mark.parametrize(("count", "total", "refused"), [
    (8, 8, True),            # a small file whose every NIK ends in 0
    (5, 5, False),           # too few rows to tell from chance (0.1 ** 5 is one in a hundred thousand)
    (12, 20, True),
    (10, 20, False),         # seven in a million files of 20 real NIKs do that by chance: not enough
    (5, 20, False),          # 25%, but one in a hundred files of 20 real NIKs does that
    (110_000, 1_000_000, False),  # 11% of a big list: a real, slight bias, not damage
    (300_000, 1_000_000, True),
])
def test_the_zero_ending_test_tells_damage_from_chance(count, total, refused):
    assert _improbable(count, total, 0.1, 0.25) is refused


@pytest.mark.parametrize("separator", [".", ","])
def test_it_refuses_thousands_separators(write_csv, in_force, separator):
    rows = [separator.join([nik[0]] + [nik[i:i + 3] for i in range(1, 16, 3)]) for nik in valid_niks(5)]
    assert rows[0].startswith(f"3{separator}201{separator}01")
    # Indonesian settings group by "." in a ";" file; English ones by "," in a "," file, quoted.
    content = excel_csv([f"{row};Nama" for row in rows]) if separator == "." else \
        "nik,nama\n" + "".join(f'"{row}",Nama\n' for row in rows)

    message = _refused(write_csv, content, in_force)

    assert "5 NIKs have thousands separators such as 3.273.021.201.900.007 (lines 2, 3, 4, 5, 6)" in message
    assert FIX in message


@pytest.mark.parametrize(("value", "delimiter"), [("3.20101E+15", ","), ("3,37401E+15", ";"), ("3.2E+15", ",")])
def test_it_refuses_scientific_notation(write_csv, in_force, value, delimiter):
    content = f"nama{delimiter}nik\r\n" + "".join(f"Nama {i}{delimiter}{value}\r\n" for i in range(4))
    content += f"Nama 5{delimiter}{NIK_A}\r\n"

    message = _refused(write_csv, content, in_force)

    assert "4 NIKs are in scientific notation such as 3.20101E+15 (lines 2, 3, 4, 5)" in message


def test_it_refuses_columns_shifted_by_a_stray_delimiter(write_csv, in_force):
    niks = valid_niks(6)
    rows = [f"Budi, S.Pd,{nik}" if i % 2 else f"Siti,{nik}" for i, nik in enumerate(niks)]

    message = _refused(write_csv, "nama,nik\n" + "\n".join(rows) + "\n", in_force)

    assert "3 lines have more fields than the header (lines 3, 5, 7): a “,” inside a value" in message


def test_a_quoted_delimiter_is_not_a_shift(write_csv, in_force):
    rows = [f'"Budi, S.Pd",{nik}' for nik in valid_niks(6)]
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv("nama,nik\n" + "\n".join(rows)),
                                  file_name="asn.csv", by=None)
    assert (version.status, version.row_count) == ("active", 6)


def test_a_few_damaged_cells_are_bad_rows_not_a_refused_file(write_csv, in_force):
    rows = valid_niks(9) + ["3.20101E+15"]

    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv("nik\n" + "\n".join(rows)),
                                  file_name="asn.csv", by=None)

    # One line in ten is bad: loaded, and held for confirmation (more than 1% bad rows).
    assert (version.status, version.row_count, version.bad_row_count) == ("needs_confirmation", 9, 1)
    assert list(version.bad_rows.values_list("line", "reason", "value")) == [(11, "format", "3.20***E+15")]


def test_a_single_nik_with_thousands_separators_is_a_bad_row_not_a_nik(write_csv, in_force, no_confirmation):
    rows = valid_niks(9) + ["3.201.010.101.901.000"]
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv("nik\n" + "\n".join(rows)),
                                  file_name="asn.csv", by=None)
    assert (version.row_count, version.bad_row_count) == (9, 1)
    assert not is_nik_on_list(nik="3201010101901000", category=ListCategory.ASN)


@pytest.mark.parametrize(("content", "encoding"), [
    ("nik;nama\r\n3201014112900001;Sré\r\n".encode("cp1252"), "Windows-1252 (ANSI)"),
    ("nik\tnama\r\n3201014112900001\tSiti\r\n".encode("utf-16"), "UTF-16 (Excel’s “Unicode Text”)"),
])
def test_it_names_an_encoding_that_is_not_utf8(write_csv, in_force, content, encoding):
    message = _refused(write_csv, content, in_force)
    assert message.startswith(f"The file is in {encoding}, not UTF-8")
    assert "Save it as “CSV UTF-8”" in message


def test_the_command_refuses_it_in_indonesian_and_english(write_csv, in_force):
    path = write_csv(excel_csv([excel_truncated(nik) for nik in valid_niks(10)], header="nik"))
    with pytest.raises(CommandError) as refusal:
        call_command("import_exclusions", "asn", str(path), stdout=StringIO())
    indonesian, english = str(refusal.value).split(" / ", 1)
    assert "10 dari 10 NIK berakhiran 0" in indonesian and "10 of 10 NIKs end in 0" in english
    assert list(ExclusionList.objects.all()) == [in_force]


def test_the_upload_form_shows_the_damage_and_stores_nothing(staff_client, in_force, settings, tmp_path):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path / "uploads"
    upload = io.BytesIO(excel_csv([excel_truncated(nik) for nik in valid_niks(10)], header="nik"))
    upload.name = "asn.csv"

    response = staff_client.post(reverse("admin:eligibility_exclusionlist_upload"),
                                 {"category": "asn", "file": upload})

    assert response.status_code == 200
    assert "10 of 10 NIKs end in 0" in response.content.decode()
    assert list(ExclusionList.objects.all()) == [in_force]
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_the_message_is_indonesian_for_an_indonesian_staff_member(write_csv, in_force):
    with pytest.raises(ListFileError) as refusal:
        load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(excel_csv(["3.20101E+15"] * 3)),
                            file_name="asn.csv", by=None)
    with translation.override("id"):
        assert "notasi ilmiah" in str(refusal.value)
        assert "teks" in str(refusal.value).lower()
