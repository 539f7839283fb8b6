"""Management commands word every refusal in Indonesian, then English, and change nothing when they refuse."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registration.models import Wave
from tests.eligibility.screening.conftest import make_wave

ROOT = Path(__file__).resolve().parents[2]


def refusal(*args) -> tuple[str, str]:
    """The (Indonesian, English) halves of the CommandError a command raises."""
    with pytest.raises(CommandError) as refused:
        call_command(*args)
    indonesian, english = str(refused.value).removeprefix("Error: ").split(" / ")
    return indonesian, english


@pytest.mark.parametrize("command", ["close_wave", "select_awardees"])
@pytest.mark.parametrize("value", ["dua belas", "0", "-3", "12.5", "²", "１２"])
def test_a_wave_number_that_is_not_a_whole_number_is_refused(command, value):
    indonesian, english = refusal(command, value)
    assert indonesian == f"argument number: “{value}” bukan nomor gelombang: isi bilangan bulat, misalnya 12."
    assert english == f"“{value}” is not a wave number: give a whole number such as 12."


def test_an_unknown_wave_names_the_waves_there_are(db):
    make_wave(number=11, days_ago=30), make_wave(number=12, days_ago=10)
    assert refusal("close_wave", "99") == (
        "Gelombang 99 tidak ada (gelombang yang ada: 11, 12).", "There is no wave 99 (waves: 11, 12).")
    assert not Wave.objects.exclude(closed_at=None).exists()


def test_a_missing_required_argument_is_named(db):
    assert refusal("screening_report", "12") == (
        "Argumen berikut wajib diisi: --output.", "These arguments are required: --output.")


def test_a_count_below_one_is_refused():
    indonesian, english = refusal("bench_report_csv", "--registrations", "0")
    assert indonesian.endswith("“0” bukan jumlah: isi bilangan bulat paling sedikit 1.")
    assert english == "“0” is not a count: give a whole number of at least 1."


def test_the_command_line_prints_indonesian_first_and_exits_with_status_2(tmp_path):
    """A real `manage.py` run: argparse's usage, then the refusal in both languages, on stderr."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'untouched.sqlite3'}"}
    result = subprocess.run([sys.executable, "manage.py", "close_wave", "abc"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == ("manage.py close_wave: error: argument number: “abc” bukan nomor gelombang: isi bilangan "
                         "bulat, misalnya 12. / “abc” is not a wave number: give a whole number such as 12.")
    assert not (tmp_path / "untouched.sqlite3").exists() or (tmp_path / "untouched.sqlite3").stat().st_size == 0
