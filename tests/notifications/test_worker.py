"""The mail outbox drained by a real Celery worker process into a real SMTP server (aiosmtpd): every message
delivered exactly once, or left unconfirmed and never resent, across a worker SIGKILLed mid-drain and a mail
server that answers "451 try later" (docs/DOMAIN.md, "Notifications"). Asserted on what the server received
and on the outbox rows."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache

from benchmarks.smtpsink import Sink, free_port
from notifications import services, tasks
from notifications.models import Notification

from tests.eligibility.screening.conftest import make_wave, new_person, register, screen
from tests.eligibility.screening.test_worker import database_url, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
Status = Notification.Status


@pytest.fixture
def queue() -> str:
    return f"notifications-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def port() -> int:
    return free_port(8050, 8059)


def start_worker(queue: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
           "NOTIFICATION_TEST_QUEUE": queue, "NOTIFICATION_TEST_SMTP_PORT": str(port)}
    command = [sys.executable, "-m", "celery", "-A", "prakerja", "worker", "--pool=solo", "-Q", queue,
               "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def drains_done(log: Path) -> int:
    lines = log.read_text().splitlines() if log.exists() else []
    return sum("drain_notifications[" in line and " succeeded in " in line for line in lines)


def run_drain(queue: str, log: Path) -> None:
    """One drain on the worker (what beat starts every minute), waited for."""
    before = drains_done(log)
    tasks.drain_notifications.apply_async(queue=queue)
    wait_for(lambda: drains_done(log) > before, what="the drain to finish", log=log)


def screened_wave(people: int):
    """A screened wave: one queued result message per registration (the drain's kick is not sent: the test
    sends its drains to its own worker)."""
    with mock.patch.object(services, "_kick_drain"):
        wave = make_wave(number=77, quota=3)
        for _ in range(people):
            register(new_person(), wave)
        screen(wave)
    assert Notification.objects.filter(wave=wave, status=Status.QUEUED).count() == people
    return wave


def addresses(**filters) -> list[str]:
    return sorted(Notification.objects.filter(**filters).values_list("user__email", flat=True))


def test_a_worker_killed_mid_drain_leaves_unconfirmed_rows_and_nothing_arrives_twice(queue, port, tmp_path):
    wave = screened_wave(12)
    log = tmp_path / "worker.log"
    # Batches of 4: the first is sent; in the second the server takes one message, then holds the next.
    with Sink(port=port, stall_after=5) as sink:
        worker = start_worker(queue, port, log)
        try:
            tasks.drain_notifications.apply_async(queue=queue)
            assert sink.wait_stalled(timeout=90), log.read_text()[-3000:]
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=20)
        finally:
            sink.release()  # the held message is answered "try later" on a dead connection: never taken
            stop(worker)

        assert len(sink.received) == 5
        assert Notification.objects.filter(wave=wave, status=Status.SENT).count() == 5
        # The held message and the two claimed after it: their fate unknown to the outbox, so unconfirmed.
        assert services.progress(wave=wave) == {"queued": 4, "sending": 3, "sent": 5, "failed": 0}

        cache.delete(tasks._LEASE)  # the dead drainer's lease, as its expiry would
        fresh = start_worker(queue, port, log)
        try:
            run_drain(queue, log)
            run_drain(queue, log)  # a later drain (beat's) finds nothing to send and resends nothing
        finally:
            stop(fresh)

    delivered = Counter(rcpt for rcpt, _ in sink.received)
    assert len(sink.received) == 9 and set(delivered.values()) == {1}  # nine messages, each once
    assert sorted(delivered) == addresses(wave=wave, status=Status.SENT)
    unconfirmed = addresses(wave=wave, status=Status.SENDING)
    assert len(unconfirmed) == 3 and not set(unconfirmed) & set(delivered)
    assert services.progress(wave=wave) == {"queued": 0, "sending": 3, "sent": 9, "failed": 0}


def test_a_mail_server_saying_try_later_gets_every_message_once_when_it_recovers(queue, port, tmp_path):
    wave = screened_wave(8)
    log = tmp_path / "worker.log"
    with Sink(port=port, refuse_first=2) as sink:
        worker = start_worker(queue, port, log)
        try:
            run_drain(queue, log)  # 451 on the first message: the batch goes back to the queue
            assert sink.received == [] and sink.refused == 1
            assert services.progress(wave=wave)["queued"] == 8
            run_drain(queue, log)  # 451 again
            run_drain(queue, log)  # accepted: all eight
            run_drain(queue, log)  # nothing left, nothing resent
        finally:
            stop(worker)

    delivered = Counter(rcpt for rcpt, _ in sink.received)
    assert sink.refused == 2
    assert len(sink.received) == 8 and set(delivered.values()) == {1}
    assert sorted(delivered) == addresses(wave=wave, status=Status.SENT) == addresses(wave=wave)
    # A refused batch goes behind the rows that were waiting (its retry time is later): each batch was
    # refused once and then taken.
    assert sorted(Notification.objects.filter(wave=wave).values_list("attempts", flat=True)) == [2] * 8
    assert not Notification.objects.filter(wave=wave).exclude(error="").exists()
