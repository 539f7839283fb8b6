"""An .xlsx list file loads through the same checks and loader as CSV: the same rows, the same bad-row report;
NIK cells stored as numbers are refused as damage; several sheets are read in order."""
from __future__ import annotations

import io
import zipfile
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command

from eligibility.lists.services import ListFileError, is_nik_on_list, load_exclusion_list, start_exclusion_load
from eligibility.lists.tasks import load_exclusion_list_task
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_B, NIK_C, list_tables

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_confirmation")]

ROWS = [
    ["nik", "nama", "kk"],
    [NIK_A, "Siti", KK_A],
    ["3.20101E+15", "Budi", ""],
    [NIK_B, "Citra", "12"],
    ["", "Dewi", ""],
    [NIK_A, "Siti (lagi)", ""],
    ["9901014112900001", "Eko", ""],
    [NIK_C, "Fitri", ""],
]


def write_xlsx(path: Path, sheets: list[list[list]]) -> Path:
    """An .xlsx file: each sheet's cells as given, strings as text cells, ints and floats as number cells."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for rows in sheets:
        sheet = workbook.add_worksheet()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
    workbook.close()
    return path


def _report(version: ExclusionList) -> list[tuple]:
    return list(version.bad_rows.order_by("line", "reason").values_list("line", "reason", "value"))


@pytest.mark.parametrize("category", [ListCategory.ASN, ListCategory.PRIOR_AWARDEE])
def test_it_loads_text_cells_with_the_same_report_as_the_same_csv(tmp_path, write_csv, category):
    csv_text = "".join(",".join(row) + "\n" for row in ROWS)
    from_csv = load_exclusion_list(category=category, path_or_file=write_csv(csv_text), file_name="l.csv", by=None)
    from_xlsx = load_exclusion_list(category=category, path_or_file=write_xlsx(tmp_path / "l.xlsx", [ROWS]),
                                    file_name="l.xlsx", by=None)

    assert from_xlsx.status == "active"
    fields = ["line_count", "row_count", "duplicate_count", "bad_row_count", "kk_dropped_count"]
    assert [getattr(from_xlsx, f) for f in fields] == [getattr(from_csv, f) for f in fields] == (
        [7, 3, 1, 3, 1 if category == ListCategory.PRIOR_AWARDEE else 0])
    assert _report(from_xlsx) == _report(from_csv)
    assert (3, "format", "3.20***E+15") in _report(from_xlsx)
    assert is_nik_on_list(nik=NIK_C, category=category) == [from_xlsx]


def test_it_refuses_nik_cells_stored_as_numbers(tmp_path):
    rows = [["nik", "nama"], [NIK_A, "Siti"], [3273021201900000, "Budi"], [NIK_B, "Citra"], [3.20101e15, "Dewi"]]
    with pytest.raises(ListFileError) as refusal:
        load_exclusion_list(category=ListCategory.ASN, path_or_file=write_xlsx(tmp_path / "n.xlsx", [rows]),
                            file_name="n.xlsx", by=None)
    message = str(refusal.value)
    assert "2 NIK cells are stored as numbers, not text (rows 3, 5): a spreadsheet keeps only 15 digits" in message
    assert "Format the “nik” column as Text" in message
    assert not ExclusionList.objects.exists() and list_tables() == set()


def test_number_cells_in_other_columns_are_fine(tmp_path):
    rows = [["nik", "umur"], [NIK_A, 41], [NIK_B, 29.5]]
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_xlsx(tmp_path / "o.xlsx", [rows]),
                                  file_name="o.xlsx", by=None)
    assert (version.status, version.row_count, version.bad_row_count) == ("active", 2, 0)


def test_it_reads_every_sheet_in_order(tmp_path):
    sheets = [
        [["nik"], [NIK_A]],
        [["NIK"], [NIK_B], ["12"]],   # the same header again: skipped
        [[NIK_C]],                     # no header: its first row is data
    ]
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_xlsx(tmp_path / "s.xlsx", sheets),
                                  file_name="s.xlsx", by=None)
    assert (version.line_count, version.row_count, version.bad_row_count) == (4, 3, 1)
    assert _report(version) == [(4, "format", "**")]  # the rows of every sheet, counted on
    assert all(is_nik_on_list(nik=nik, category=ListCategory.ASN) for nik in [NIK_A, NIK_B, NIK_C])


def test_an_upload_is_kept_as_csv_and_loaded_by_the_task(tmp_path, settings, staff,
                                                         django_capture_on_commit_callbacks):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path / "uploads"
    upload = io.BytesIO(write_xlsx(tmp_path / "u.xlsx", [ROWS]).read_bytes())
    with django_capture_on_commit_callbacks(execute=False):
        version = start_exclusion_load(category=ListCategory.ASN, upload=upload, file_name="u.xlsx", by=staff)
    assert Path(version.source_path).read_bytes().startswith(b"nik,nama,kk\n" + NIK_A.encode())

    load_exclusion_list_task(version.pk)

    version.refresh_from_db()
    assert (version.status, version.row_count, version.bad_row_count) == ("active", 3, 3)


def test_a_broken_spreadsheet_is_refused_with_a_message(tmp_path, write_csv):
    good = write_xlsx(tmp_path / "b.xlsx", [ROWS]).read_bytes()
    broken = write_csv(good[:2000], name="b.xlsx")  # cut short, as an interrupted download
    with pytest.raises(ListFileError, match="cannot be read|not a CSV file"):
        load_exclusion_list(category=ListCategory.ASN, path_or_file=broken, file_name="b.xlsx", by=None)
    assert not ExclusionList.objects.exists()


def test_the_command_loads_an_xlsx_and_refuses_number_cells(tmp_path):
    good = write_xlsx(tmp_path / "g.xlsx", [[["nik"], [NIK_A]]])
    call_command("import_exclusions", "asn", str(good), "--yes", stdout=StringIO())
    assert ExclusionList.objects.active().get().row_count == 1

    bad = write_xlsx(tmp_path / "n.xlsx", [[["nik"], [3201014112900000]]])
    with pytest.raises(CommandError, match="disimpan sebagai angka.* / .*stored as numbers"):
        call_command("import_exclusions", "asn", str(bad), "--yes", stdout=StringIO())


def write_ods(path: Path, rows: list[list]) -> Path:
    """A minimal OpenDocument spreadsheet (one sheet), as LibreOffice writes one: strings as text cells, numbers as
    float cells. The `mimetype` member comes first and uncompressed, which is how the format is recognised."""
    def cell(value) -> str:
        if isinstance(value, str):
            return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="float" office:value="{value!r}"><text:p>{value}</text:p>' \
               f'</table:table-cell>'

    body = "".join("<table:table-row>" + "".join(map(cell, row)) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1">{body}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_an_ods_file_loads_like_the_xlsx_and_its_number_cells_are_refused(tmp_path):
    from_ods = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_ods(tmp_path / "l.ods", ROWS),
                                   file_name="l.ods", by=None)
    from_xlsx = load_exclusion_list(category=ListCategory.TNI, path_or_file=write_xlsx(tmp_path / "l.xlsx", [ROWS]),
                                    file_name="l.xlsx", by=None)
    assert (from_ods.status, from_ods.row_count, from_ods.bad_row_count) == ("active", 3, 3)
    assert _report(from_ods) == _report(from_xlsx)

    with pytest.raises(ListFileError, match=r"1 NIK cells are stored as numbers, not text \(rows 3\)"):
        load_exclusion_list(category=ListCategory.ASN, file_name="n.ods", by=None, path_or_file=write_ods(
            tmp_path / "n.ods", [["nik"], [NIK_A], [3201014112900000]]))


def test_text_cells_holding_the_delimiter_or_quotes_stay_in_their_column(tmp_path):
    rows = [["nama", "nik"], ["Budi, S.Pd", NIK_A], ['Siti "Ani"', NIK_B], ["Citra\nBaris dua", NIK_C]]
    version = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_xlsx(tmp_path / "q.xlsx", [rows]),
                                  file_name="q.xlsx", by=None)
    assert (version.line_count, version.row_count, version.bad_row_count) == (3, 3, 0)
    assert all(is_nik_on_list(nik=nik, category=ListCategory.ASN) for nik in [NIK_A, NIK_B, NIK_C])
