"""`manage.py screening_report`: the same files as the downloads, masked unless --full-nik, clear errors."""
from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from eligibility.models import ScreeningRun
from reports.models import AuditEntry
from reports.services import RESULT_COLUMNS


def _run(*args) -> str:
    out = io.StringIO()
    call_command("screening_report", *args, stdout=out)
    return out.getvalue()


def _read(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_it_writes_the_masked_result_file(wave, tmp_path):
    out = tmp_path / "hasil.csv"
    message = _run("21", "--language", "en", "--output", str(out))
    rows = _read(out)
    assert rows[0] == RESULT_COLUMNS and len(rows) == 7
    assert rows[1][1:4] == ["'3202********0001", "'3201********0001", "S**** A****"]
    assert "Wrote 6 rows (masked)" in message


def test_it_writes_the_same_bytes_as_the_download(client, reporter, wave, tmp_path):
    out = tmp_path / "ineligible.csv"
    _run("21", "--status", "ineligible", "--output", str(out))
    client.force_login(reporter)
    response = client.get("/laporan/gelombang/21/hasil.csv", {"status": "ineligible"})
    assert out.read_bytes() == b"".join(response.streaming_content)


def test_it_writes_whole_numbers_with_full_nik(wave, tmp_path):
    out = tmp_path / "full.csv"
    _run("21", "--reason", "asn", "--full-nik", "--output", str(out))
    assert _read(out)[1][1:4] == ["'3578020505950002", "'3578010101200002", "Budi Santoso"]


def test_it_writes_the_summary_and_the_clusters(wave, tmp_path):
    _run("21", "--summary", "--language", "en", "--output", str(tmp_path / "s.csv"))
    assert ["totals", "eligible", "Eligible", "3"] in _read(tmp_path / "s.csv")
    _run("21", "--clusters", "--language", "en", "--output", str(tmp_path / "c.csv"))
    assert _read(tmp_path / "c.csv")[0][:4] == ["signal", "cluster", "key", "size"]


@pytest.mark.parametrize(("args", "message"), [
    (["99"], "There is no wave 99 (waves: 21)"),
    (["21", "--status", "lolos"], "Status 'lolos' tidak dikenal"),
    (["21", "--reason", "asn;tni"], "Alasan 'asn;tni' tidak dikenal"),
    (["21", "--summary", "--clusters"], "Give one of"),
    (["21", "--summary", "--format", "xlsx"], "result rows and the contacts only"),
    (["21", "--delimiter", "|"], "--delimiter does not accept"),
    (["21", "--summary", "--status", "eligible"], "filter the result rows only"),
    (["21", "--by", "nobody@example.com"], "no active staff account"),
])
def test_it_refuses_bad_arguments(wave, tmp_path, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _run(*args, "--output", str(tmp_path / "x.csv"))
    assert not AuditEntry.objects.exists()


def test_it_refuses_an_unwritable_output(wave, tmp_path):
    with pytest.raises(CommandError, match="Cannot write .*missing"):
        _run("21", "--output", str(tmp_path / "missing" / "x.csv"))
    assert not AuditEntry.objects.exists()


def test_it_refuses_by_a_staff_member_without_the_permissions(wave, tmp_path, reporter, viewer):
    with pytest.raises(CommandError, match="lacks the permission reports.download_wave_report"):
        _run("21", "--by", viewer.email, "--output", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="lacks the permission registration.view_full_nik"):
        _run("21", "--by", reporter.email, "--full-nik", "--output", str(tmp_path / "x.csv"))


def test_it_refuses_a_wave_without_a_finished_screening(wave, tmp_path):
    ScreeningRun.objects.filter(wave=wave).update(status=ScreeningRun.Status.FAILED)
    with pytest.raises(CommandError, match="belum selesai disaring"):
        _run("21", "--output", str(tmp_path / "x.csv"))


def test_it_needs_an_output(wave):
    with pytest.raises(CommandError, match="--output"):
        _run("21")
