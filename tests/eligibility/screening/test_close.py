"""Closing a wave: by staff, by command, at the deadline through beat; idempotent, enqueues once."""
import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from eligibility import waves
from eligibility.screening import services, tasks
from prakerja.celery import app
from prakerja.models import OutboxTask
from registration.models import Wave

from .conftest import make_wave, new_person, register


def test_it_closes_and_enqueues_the_screening_once(wave, staff, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.screen_wave, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            assert waves.close_wave(wave=wave, by=staff) is True
        with django_capture_on_commit_callbacks(execute=True):
            assert waves.close_wave(wave=wave, by=staff) is False

    # Sent through the task outbox (prakerja.lib.outbox): once, and its row gone once the broker took it.
    send.assert_called_once()
    assert send.call_args.kwargs["args"] == [wave.pk]
    assert not OutboxTask.objects.exists()
    wave.refresh_from_db()
    assert wave.status == Wave.Status.CLOSED and wave.closed_by == staff and wave.closed_at is not None


def test_it_enqueues_nothing_when_the_transaction_rolls_back(wave, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        waves.close_wave(wave=wave, by=None)
    assert len(callbacks) == 1  # enqueue_on_commit: sent only after the close commits


def test_it_does_not_close_a_draft_wave(db):
    now = timezone.now()
    draft = Wave.objects.create(number=50, quota=10, opens_at=now, closes_at=now + dt.timedelta(days=1))
    assert waves.close_wave(wave=draft, by=None) is False
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.DRAFT


def test_the_command_closes_a_wave(wave, capsys):
    call_command("close_wave", str(wave.number), "--yes")
    call_command("close_wave", str(wave.number), "--yes")
    assert OutboxTask.objects.filter(task=tasks.screen_wave.name, args=[wave.pk]).count() == 1
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CLOSED
    out = capsys.readouterr().out
    assert "closed" in out.lower()


def test_beat_closes_a_wave_at_its_deadline_and_not_before(db):
    now = timezone.now()
    wave = Wave.objects.create(number=60, quota=10, opens_at=now, closes_at=now + dt.timedelta(hours=2))
    from eligibility.waves import publish_wave

    publish_wave(wave=wave, by=None)
    register(new_person(), wave)

    with time_machine.travel(wave.closes_at - dt.timedelta(seconds=1), tick=False):
        assert tasks.close_due_waves() == []
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.OPEN
    with time_machine.travel(wave.closes_at, tick=False):
        assert tasks.close_due_waves() == [60]
        assert tasks.close_due_waves() == []

    wave.refresh_from_db()
    assert wave.status == Wave.Status.CLOSED and wave.closed_by is None
    assert wave.closed_at == wave.closes_at
    assert list(OutboxTask.objects.values_list("task", "args")) == [(tasks.screen_wave.name, [wave.pk])]


@pytest.mark.parametrize("entry", ["close-due-waves", "requeue-stale-partitions"])
def test_the_beat_schedule_names_tasks_that_exist(db, entry):
    name = settings.CELERY_BEAT_SCHEDULE[entry]["task"]
    app.loader.import_default_modules()
    assert name in app.tasks
    assert name.startswith("eligibility.screening.tasks.")


def test_the_command_records_who_closed_the_wave(wave, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        call_command("close_wave", str(wave.number), "--by", staff.email.upper(), "--yes")
    closed = Wave.objects.get(pk=wave.pk)
    assert closed.status == Wave.Status.CLOSED and closed.closed_by == staff


def test_the_command_refuses_an_unknown_wave_or_account_and_changes_nothing(wave):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no wave 999"):
        call_command("close_wave", "999", "--yes")
    with pytest.raises(CommandError, match="tidak ada akun staf aktif dengan e-mail ini. / .*there is no active staff account"):
        call_command("close_wave", str(wave.number), "--by", "nobody@example.com", "--yes")
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.OPEN
