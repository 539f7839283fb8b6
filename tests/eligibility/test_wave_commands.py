"""The operators' lifecycle commands: thin calls of eligibility.waves, asking before an irreversible step."""
import datetime as dt
import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from registration.models import Wave

from .screening.conftest import close, make_list, make_wave, new_person, register, screen


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_creates_a_draft_in_wib(db):
    run("create_wave", "30", "--quota", "1000", "--opens", "2099-04-01 12:00", "--closes", "2099-04-05 23:59")
    wave = Wave.objects.get(number=30)
    assert (wave.status, wave.quota) == (Wave.Status.DRAFT, 1000)
    assert wave.opens_at == dt.datetime(2099, 4, 1, 5, 0, tzinfo=dt.UTC)  # 12:00 WIB is 05:00 UTC


@pytest.mark.parametrize("opens", ["2020-04-01 12:00", "besok"])
def test_it_refuses_a_window_in_the_past_or_not_a_time(db, opens):
    with pytest.raises(CommandError):
        run("create_wave", "30", "--quota", "10", "--opens", opens, "--closes", "2099-04-05 23:59")
    assert not Wave.objects.exists()


def test_it_refuses_to_publish_without_yes_and_without_a_terminal(db):
    now = timezone.now()
    draft = Wave.objects.create(number=31, quota=5, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2))
    with mock.patch("sys.stdin.isatty", return_value=False), pytest.raises(CommandError, match="--yes"):
        run("publish_wave", "31")
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.DRAFT
    out = run("publish_wave", "31", "--yes")
    assert "Publish wave 31" in out and Wave.objects.get(pk=draft.pk).status == Wave.Status.OPEN


def test_it_publishes_on_a_terminal_answer_and_not_on_no(db):
    now = timezone.now()
    Wave.objects.create(number=32, quota=5, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2))
    with mock.patch("sys.stdin.isatty", return_value=True), mock.patch("builtins.input", return_value="n"):
        with pytest.raises(CommandError):
            run("publish_wave", "32")
    assert Wave.objects.get(number=32).status == Wave.Status.DRAFT
    with mock.patch("sys.stdin.isatty", return_value=True), mock.patch("builtins.input", return_value="ya"):
        run("publish_wave", "32")
    assert Wave.objects.get(number=32).status == Wave.Status.OPEN


def test_it_shows_the_state_and_says_what_a_wave_waits_for(db, django_capture_on_commit_callbacks):
    earlier = make_wave(number=40, days_ago=20)
    register(new_person(), earlier)
    screen(earlier)
    later = make_wave(number=41, days_ago=10)
    register(new_person(), later)
    close(later)
    out = io.StringIO()
    # Stopped at its first pause: what it said until then is the answer.
    with mock.patch("eligibility.management.commands.wave_status.time.sleep", side_effect=KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            call_command("wave_status", "41", "--wait", stdout=out)
    text = out.getvalue()
    assert "Wave 41: Closed" in text
    assert "starts after the selection of wave 40" in text


def test_its_wait_returns_once_the_screening_has_ended(db):
    wave = make_wave(number=42)
    register(new_person(), wave)
    screen(wave)
    out = run("wave_status", "42", "--wait")
    assert "Screened" in out and "eligible 1" in out


def test_it_retries_a_screening_with_yes(db):
    wave = make_wave(number=43)
    register(new_person(), wave)
    screen(wave)
    with mock.patch("eligibility.screening.tasks.screen_partition.delay_on_commit"):
        out = run("retry_screening", "43", "--yes")
    assert "Screen wave 43 again" in out and Wave.objects.get(pk=wave.pk).status == Wave.Status.SCREENING


def test_it_looks_up_a_nik_without_echoing_it(db):
    person = new_person()
    make_list("dprd", [person])
    out = run("lookup_nik", person.nik)
    assert person.nik not in out and "*" in out and "dprd" in out.lower()
    other = run("lookup_nik", person.nik, "--category", "asn")
    assert person.nik not in other and "asn" in other


def test_it_writes_the_bad_rows_to_a_file_when_asked(db, tmp_path):
    source = tmp_path / "asn.csv"
    source.write_text("nik\n3201014112900001\n12\nabc\n")
    target = tmp_path / "bad.csv"
    run("import_exclusions", "asn", str(source), "--yes", "--bad-rows", str(target))
    lines = target.read_text(encoding="utf-8-sig").splitlines()  # the one CSV writer starts files with a BOM
    assert lines[0].startswith("line,reason,") and [line.split(",")[0] for line in lines[1:]] == ["3", "4"]
