"""Headers and status values of the files in the staff member's language (Indonesian first)."""
from __future__ import annotations

import csv
import io

from django.core.management import call_command
from django.urls import reverse


def _rows(client, user, wave, **headers) -> list[list[str]]:
    client.force_login(user)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}), **headers)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_it_writes_indonesian_by_default(client, reporter, wave):
    rows = _rows(client, reporter, wave)
    assert rows[0] == ["gelombang", "nik", "kk", "nama_lengkap", "provinsi", "waktu_daftar", "status", "alasan",
                       "terpilih", "peringkat"]
    assert (rows[1][6], rows[1][8]) == ("Memenuhi syarat", "ya")
    assert (rows[2][6], rows[2][8]) == ("Tidak memenuhi syarat", "tidak")


def test_it_writes_english_for_an_english_reader(client, reporter, wave):
    rows = _rows(client, reporter, wave, HTTP_ACCEPT_LANGUAGE="en")
    assert rows[0][:4] == ["wave", "nik", "kk", "full_name"]
    assert (rows[1][6], rows[1][8]) == ("Eligible", "yes")


def test_the_command_takes_a_language(wave, tmp_path):
    out = tmp_path / "s.csv"
    call_command("screening_report", "21", "--summary", "--language", "id", "--output", str(out), stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["bagian", "kode", "keterangan", "nilai"]
    assert ["totals", "registrations", "Pendaftaran", "6"] in rows
