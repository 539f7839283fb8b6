"""A draw every applicant can check: the wave page, the ticket list and tools/verify_draw.py agree."""
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from eligibility.draw import ticket
from eligibility.models.draw import PublishedDraw
from eligibility.models.screening import ScreeningResult
from eligibility.waves import select_awardees

from .conftest import make_list, make_wave, new_person, register, screen

SCRIPT = Path(__file__).resolve().parents[3] / "tools" / "verify_draw.py"


@pytest.fixture
def selected_wave(db):
    wave = make_wave(number=74, quota=4)
    people = [new_person() for _ in range(10)]
    make_list("asn", people[:2])
    for person in people:
        register(person, wave)
    screen(wave)
    select_awardees(wave=wave, by=None)
    wave.refresh_from_db()
    return wave, people


def _download(client, wave) -> bytes:
    response = client.get(reverse("registration:wave_tickets", args=[wave.number]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_it_publishes_counts_cutoff_and_commitment_without_niks(client, selected_wave):
    wave, people = selected_wave
    draw = PublishedDraw.objects.get(wave=wave)
    eligible = people[2:]
    tickets = sorted(ticket(wave.seed, p.nik) for p in eligible)
    assert (draw.eligible_count, draw.selected_count) == (8, 4)
    assert draw.cutoff_ticket == tickets[3]
    assert draw.pool_commitment == hashlib.sha256("".join(f"{t}\n" for t in tickets).encode()).hexdigest()
    html = client.get(reverse("registration:wave", args=[wave.number])).content.decode()
    for value in (wave.seed, draw.cutoff_ticket, draw.pool_commitment):
        assert value in html
    body = _download(client, wave)
    assert body.decode().splitlines() == tickets
    assert all(p.nik not in html and p.nik.encode() not in body for p in people)


def test_the_ticket_list_is_not_there_before_the_selection(client, db):
    wave = make_wave(number=75, quota=4)
    register(new_person(), wave)
    screen(wave)
    assert client.get(reverse("registration:wave_tickets", args=[wave.number])).status_code == 404


def test_the_script_agrees_with_the_app(client, selected_wave, tmp_path):
    wave, people = selected_wave
    draw = PublishedDraw.objects.get(wave=wave)
    tickets_file = tmp_path / "tickets.txt"
    tickets_file.write_bytes(_download(client, wave))
    for person in people[2:]:
        result = ScreeningResult.objects.get(registration__applicant=person, wave_id=wave.pk)
        run = subprocess.run(
            [sys.executable, str(SCRIPT), "--seed", wave.seed, "--nik", person.nik, "--tickets", str(tickets_file),
             "--commitment", draw.pool_commitment, "--cutoff", draw.cutoff_ticket],
            capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"your ticket:        {ticket(wave.seed, person.nik)}" in run.stdout
        assert "commitment matches: yes" in run.stdout
        assert f"your place:         {result.rank}\n" in run.stdout
        assert f"selected:           {'yes' if result.selected else 'no'}" in run.stdout


def test_the_script_refuses_a_list_that_does_not_match_the_commitment(client, selected_wave, tmp_path):
    wave, people = selected_wave
    draw = PublishedDraw.objects.get(wave=wave)
    lines = _download(client, wave).splitlines(keepends=True)
    tampered = tmp_path / "tickets.txt"
    tampered.write_bytes(b"".join(lines[:-1]))  # one ticket dropped
    run = subprocess.run([sys.executable, str(SCRIPT), "--seed", wave.seed, "--nik", people[5].nik,
                          "--tickets", str(tampered), "--commitment", draw.pool_commitment],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "commitment matches: NO" in run.stdout


def _spaced(nik: str) -> str:
    """A NIK as the profile form invites it: `3201 0141 1290.0001`."""
    return f"{nik[:4]} {nik[4:8]} {nik[8:12]}.{nik[12:]}"


def test_the_script_reads_a_nik_with_spaces_and_dots_without_django(client, selected_wave, tmp_path):
    # -I -S: no site-packages, so no Django: the script needs Python's standard library only (docs/DOMAIN.md).
    wave, people = selected_wave
    draw = PublishedDraw.objects.get(wave=wave)
    tickets_file = tmp_path / "tickets.txt"
    tickets_file.write_bytes(_download(client, wave))
    person = people[2]
    result = ScreeningResult.objects.get(registration__applicant=person, wave_id=wave.pk)
    run = subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), "--seed", wave.seed, "--nik", _spaced(person.nik),
         "--tickets", str(tickets_file), "--commitment", draw.pool_commitment],
        capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"your ticket:        {ticket(wave.seed, person.nik)}" in run.stdout
    assert f"your place:         {result.rank}\n" in run.stdout


@pytest.mark.parametrize(("nik", "indonesian", "english"), [
    ("12345", "NIK terdiri dari tepat 16 angka", "A NIK has exactly 16 digits"),
    ("", "NIK terdiri dari tepat 16 angka", "A NIK has exactly 16 digits"),
    ("9901014112900001", "Dua angka pertama NIK bukan kode provinsi", "The first two digits of the NIK are not"),
    ("3201014112900000", "Empat angka terakhir NIK (nomor urut) tidak boleh 0000",
     "The last four digits of the NIK (the serial number) cannot be 0000"),
])
def test_the_script_refuses_what_is_not_a_nik(tmp_path, nik, indonesian, english):
    tickets_file = tmp_path / "tickets.txt"
    tickets_file.write_bytes(b"")
    run = subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), "--seed", "ab" * 32, "--nik", nik, "--tickets", str(tickets_file),
         "--commitment", hashlib.sha256(b"").hexdigest()],
        capture_output=True, text=True, check=False)
    assert run.returncode == 2 and run.stdout == ""
    assert indonesian in run.stderr and english in run.stderr
    assert run.stderr.index(indonesian) < run.stderr.index(english)  # Indonesian first
    assert "Traceback" not in run.stderr
