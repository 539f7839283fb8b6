"""A real Celery worker process (not eager mode) screens a closed wave end to end, on the configured
broker (Redis when CELERY_BROKER_URL says so, else the embedded SQLAlchemy broker) and the test database;
then a worker SIGKILLed mid-partition is swept, and a fresh worker finishes with the clean result."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection

from eligibility import waves
from eligibility.screening import services, tasks
from eligibility.models.screening import ScreeningPartition, ScreeningRun
from registration.models import Wave

from .conftest import make_list, make_wave, new_kk, new_person, outcome, register, screen

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    db = connection.settings_dict  # during the test: the test database
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def start_worker(queue: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "DJANGO_SETTINGS_MODULE": "tests.eligibility.screening.worker_settings",
           "SCREENING_TEST_QUEUE": queue, "SCREENING_PARTITIONS": "3"}
    command = [sys.executable, "-m", "celery", "-A", "prakerja", "worker", "--pool=solo", "-Q", queue,
               "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(condition, *, timeout: float = 90, what: str = "", log: Path | None = None):
    """Poll the database for a condition, bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


@pytest.fixture
def queue() -> str:
    return f"screening-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def closed_wave(drop_list_tables):
    wave = make_wave(number=90, quota=10)
    kks = [new_kk() for _ in range(8)]
    people = [new_person(kk=kks[i % 8]) for i in range(40)]
    make_list("asn", people[:5])
    make_list("prior_awardee", people[5:8])
    for i, person in enumerate(people):
        register(person, wave, at=wave.opens_at + dt.timedelta(minutes=i % 7))
    with mock.patch.object(tasks.screen_wave, "delay_on_commit"):  # this test enqueues on its own queue
        waves.close_wave(wave=wave, by=None)
    wave.refresh_from_db()
    assert wave.status == Wave.Status.CLOSED
    return wave


def run_done(wave):
    return lambda: ScreeningRun.objects.filter(wave=wave, status=ScreeningRun.Status.DONE).first()


def clean_result(wave) -> dict:
    """The result of an in-process run of the same wave: what every worker run must equal."""
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.SCREENED)
    with mock.patch.object(tasks.screen_partition, "delay_on_commit"):
        screen(Wave.objects.get(pk=wave.pk), partitions=1, restart=True)
    return outcome(wave)


def test_a_real_worker_screens_a_closed_wave(closed_wave, queue, tmp_path):
    log = tmp_path / "worker.log"
    worker = start_worker(queue, log)
    try:
        tasks.screen_wave.apply_async(args=[closed_wave.pk], queue=queue)
        run = wait_for(run_done(closed_wave), what="the screening run to finish", log=log)
    finally:
        stop(worker)

    assert Wave.objects.get(pk=closed_wave.pk).status == Wave.Status.SCREENED
    assert run.outcome_counts["registrations"] == 40
    assert run.partition_count == 3
    by_worker = outcome(closed_wave)
    assert len(by_worker) == 40
    assert by_worker == clean_result(closed_wave)


def test_a_worker_killed_mid_partition_is_swept_and_a_fresh_worker_finishes_cleanly(closed_wave, queue, tmp_path):
    log = tmp_path / "worker.log"
    with mock.patch.object(tasks.screen_partition, "delay_on_commit"):  # sent to this test's queue below
        run = services.start_screening(wave=closed_wave, by=None)
    blocker = Blocker()
    worker = start_worker(queue, log)
    try:
        wait_for(lambda: log.exists() and " ready." in log.read_text(), what="the worker to start", log=log)
        blocker.hold()  # the worker's first partition waits on this lock
        for partition in ScreeningPartition.objects.filter(run=run):
            tasks.screen_partition.apply_async(args=[partition.pk], queue=queue)
        wait_for(lambda: blocker.worker_is_blocked(log), what="the worker to block mid-partition", log=log)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        blocker.release()
        stop(worker)

    # The sweep re-queues the dead worker's partitions (on PostgreSQL once its backend has rolled back:
    # SKIP LOCKED passes over a partition whose transaction is still alive).
    with mock.patch.object(tasks.screen_partition, "delay_on_commit"):
        requeued = wait_for(lambda: services.requeue_stale_partitions(older_than=dt.timedelta(0)),
                            what="the sweep to re-queue the partition")
    fresh = start_worker(queue, log)
    try:
        for pk in requeued:
            tasks.screen_partition.apply_async(args=[pk], queue=queue)
        done = wait_for(run_done(closed_wave), what="a fresh worker to finish the run", log=log)
    finally:
        stop(fresh)

    assert done.pk == run.pk
    assert done.outcome_counts["registrations"] == 40
    assert outcome(closed_wave) == clean_result(closed_wave)


class Blocker:
    """Holds a lock from another connection so that the worker blocks inside a partition."""

    def __init__(self):
        self.conn = None

    def hold(self) -> None:
        if connection.vendor == "postgresql":
            import psycopg2

            db = connection.settings_dict
            self.conn = psycopg2.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                                         host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)
            from eligibility.models.screening import ScreeningHit

            # The lists phase INSERTs into the hit table after its claim: it waits here.
            self.conn.cursor().execute(f"LOCK TABLE {ScreeningHit._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        else:
            import sqlite3

            self.conn = sqlite3.connect(connection.settings_dict["NAME"], timeout=30, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")  # the worker's next write transaction waits

    def worker_is_blocked(self, log: Path) -> bool:
        if "screen_partition" not in (log.read_text() if log.exists() else ""):
            return False  # not yet received
        if connection.vendor == "postgresql":
            with self.conn.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                return cursor.fetchone()[0] > 0
        return True  # SQLite: received, and its claim waits for the write lock held here

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rollback() if connection.vendor == "postgresql" else self.conn.execute("ROLLBACK")
            finally:
                self.conn.close()
                self.conn = None
