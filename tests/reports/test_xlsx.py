"""Filtered result exports as .xlsx: text cells for NIK and KK (whole, no apostrophe), no formula, audited, refused
beyond one sheet's rows."""
from __future__ import annotations

import pytest
from django.urls import reverse

from prakerja.lib import csvfile
from reports.models import AuditEntry
from tests.spreadsheet import read_xlsx


def _xlsx(client, user, wave, tmp_path, **params):
    client.force_login(user)
    response = client.get(reverse("reports:results_xlsx", kwargs={"number": wave.number}), params,
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    path = tmp_path / "results.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    return response, read_xlsx(path)


def test_it_writes_whole_numbers_as_text_cells(client, full_reporter, wave, tmp_path):
    response, rows = _xlsx(client, full_reporter, wave, tmp_path, full="1", status="ineligible")
    assert response["Content-Disposition"] == 'attachment; filename="gelombang-21-results-ineligible.xlsx"'
    assert [cell.value for cell in rows[0]] == ["wave", "nik", "kk", "full_name", "province", "registered_at",
                                                "status", "reasons", "selected", "rank"]
    assert [(row[1].value, row[1].kind, row[2].value, row[2].kind) for row in rows[1:]] == [
        ("3578020505950002", "text", "3578010101200002", "text"),
        ("3201010101900003", "text", "3201010101200001", "text"),
        ("3578010101900006", "text", "3578010101200006", "text"),
    ]
    assert rows[1][0] == rows[1][0].__class__("21", "number", False)
    assert not any(cell.formula for row in rows for cell in row)


@pytest.mark.parametrize("name", ["=1+1", '=HYPERLINK("http://x.example/","Cek")', "{=1+1}", "@SUM(A1)", "-2+3"])
def test_it_writes_a_formula_like_name_verbatim_as_a_text_cell(client, full_reporter, wave, tmp_path, name):
    from registration.models import Applicant

    Applicant.objects.filter(nik="3202014112900001").update(full_name=name)
    _response, rows = _xlsx(client, full_reporter, wave, tmp_path, full="1")
    assert rows[1][3] == rows[1][3].__class__(name, "text", False)  # no visible apostrophe, never a formula


def test_it_is_audited_like_the_csv(client, reporter, wave, tmp_path):
    _xlsx(client, reporter, wave, tmp_path, status="eligible")
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.status_filter, entry.row_count, entry.completed, entry.full_identity) == (
        "results", "eligible", 3, True, False)


def test_it_refuses_more_rows_than_a_sheet_holds(client, reporter, wave, monkeypatch):
    monkeypatch.setattr(csvfile, "XLSX_MAX_ROWS", 5)
    client.force_login(reporter)
    response = client.get(reverse("reports:results_xlsx", kwargs={"number": wave.number}))
    assert response.status_code == 400
    assert "tidak muat" in response.content.decode() and not AuditEntry.objects.exists()
    filtered = client.get(reverse("reports:results_xlsx", kwargs={"number": wave.number}), {"status": "eligible"})
    assert filtered.status_code == 200


def test_the_writer_refuses_rows_past_the_limit(monkeypatch):
    monkeypatch.setattr(csvfile, "XLSX_MAX_ROWS", 2)
    with pytest.raises(ValueError):
        list(csvfile.xlsx_blocks([csvfile.Column("a", "a")], [[(1,), (2,)], [(3,)]]))


def test_the_command_writes_the_xlsx(wave, tmp_path):
    import io

    from django.core.management import call_command

    out = tmp_path / "hasil.xlsx"
    call_command("screening_report", "21", "--format", "xlsx", "--full-nik", "--output", str(out), stdout=io.StringIO())
    rows = read_xlsx(out)
    assert rows[0][1].value == "nik" and rows[1][1].value == "3202014112900001" and rows[1][1].kind == "text"
    assert len(rows) == 7
