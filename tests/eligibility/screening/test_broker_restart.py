"""A real Redis restart mid-screening ("Closing and screening"): a private redis-server is
SIGKILLed while a real Celery worker is inside a partition and the rest of the run's messages wait in
its queue; a new, empty redis-server takes the same port, the worker reconnects by itself, the sweep
re-queues the partitions whose messages were lost, and the run ends with exactly a clean run's result.

The Redis here is this test's own (a free port, nothing on disk), never the shared one; the test runs
on PostgreSQL and on SQLite wherever the redis-server binary exists (CI has it), and skips otherwise.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from eligibility import waves
from eligibility.screening import services, tasks
from eligibility.models.screening import Phase, ScreeningHit, ScreeningPartition, ScreeningResult, ScreeningRun
from registration.models import Registration, Wave

from .conftest import make_list, make_wave, new_kk, new_person, outcome, register
from .test_worker import Blocker, clean_result, queue, run_done, start_worker, stop, wait_for  # noqa: F401 (queue: fixture)

REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="the redis-server binary is not installed (apt-get install redis-server): "
                                                    "the Redis restart test needs a private Redis it can kill"),
]

PARTITIONS = 8
REGISTRATIONS = 160


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    # Linux: the server gets SIGKILL if this pytest process dies without its teardown (prctl PR_SET_PDEATHSIG).
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


class PrivateRedis:
    """A redis-server of this test's own: one port for its life, keeping nothing on disk (like production)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log = directory / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, socket_connect_timeout=5)

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.directory), "--daemonize", "no", "--protected-mode", "no"]
        self.process = subprocess.Popen(command, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                        preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"redis-server exited with {self.process.returncode}:\n{self.log.read_text()[-2000:]}")
            with contextlib.suppress(Exception), self.client() as client:
                if client.ping():
                    return
            time.sleep(0.05)
        raise AssertionError(f"redis-server did not answer on port {self.port}:\n{self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: whatever it held (the queue, the unacked messages) is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def worker_on_private_redis(private_redis, queue, tmp_path):
    """Starts test_worker's real worker process on the private Redis; stops it at teardown (before the
    server goes: fixtures tear down in reverse order), even when the test failed."""
    started: list[subprocess.Popen] = []

    def start(log: Path) -> subprocess.Popen:
        # start_worker passes settings.CELERY_BROKER_URL to the worker: set only while it reads it (this
        # process's own Celery producer pool is never pointed at the private Redis). The worker's cache is
        # its own memory, so the shared Redis is never touched.
        with override_settings(CELERY_BROKER_URL=private_redis.url), \
                mock.patch.dict(os.environ, {"CACHE_URL": "locmemcache://"}):
            worker = start_worker(queue, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop(worker)


@contextlib.contextmanager
def enqueue_on(server: PrivateRedis, queue: str):
    """Tasks this process enqueues on commit (the sweep's re-queued partitions) go to the private
    Redis's test queue, on commit as delay_on_commit does."""
    from prakerja.celery import app

    def send(task, args):
        with app.connection_for_write(server.url) as conn, conn.Producer() as producer:
            task.apply_async(args=args, queue=queue, producer=producer)

    def on_commit_of(task):
        return lambda *args: transaction.on_commit(lambda: send(task, args))

    with mock.patch.object(tasks.screen_partition, "delay_on_commit", side_effect=on_commit_of(tasks.screen_partition)), \
            mock.patch.object(tasks.screen_wave, "delay_on_commit", side_effect=on_commit_of(tasks.screen_wave)):
        yield send


@pytest.fixture
def busy_wave(drop_list_tables):
    """A closed wave of 160 registrations in 32 families of 5 (the KK rule bites), with people on one
    list, on two, on the 2020 prior-awardee list, and registration-time ties."""
    wave = make_wave(number=91, quota=40)
    kks = [new_kk() for _ in range(32)]
    people = [new_person(kk=kks[i % 32]) for i in range(REGISTRATIONS)]
    make_list("asn", people[0:40:3])
    make_list("tni", people[1:40:4] + people[0:12:6])  # some on two lists
    make_list("prior_awardee", people[40:60:2])
    make_list("bansos", people[60:70])
    for i, person in enumerate(people):
        register(person, wave, at=wave.opens_at + dt.timedelta(minutes=i % 9))
    with mock.patch.object(tasks.screen_wave, "delay_on_commit"):  # the test starts the run itself
        waves.close_wave(wave=wave, by=None)
    return Wave.objects.get(pk=wave.pk)


def worker_blocked_in_partition(blocker: Blocker, log: Path) -> bool:
    """The worker received a partition and waits on the blocker's lock inside it."""
    if "screen_partition" not in (log.read_text() if log.exists() else ""):
        return False
    if connection.vendor != "postgresql":
        return True  # SQLite: received; its claim waits (30 s busy timeout) for the write lock held there
    with blocker.conn.cursor() as cursor:  # only this database's hit table: other tests may share the server
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [ScreeningHit._meta.db_table],
        )
        return cursor.fetchone()[0] > 0


def test_a_redis_restart_that_loses_the_queue_ends_with_the_clean_result(
        busy_wave, private_redis, worker_on_private_redis, queue, tmp_path):
    log = tmp_path / "worker.log"
    with override_settings(SCREENING_PARTITIONS=PARTITIONS), mock.patch.object(tasks.screen_partition, "delay_on_commit"):
        run = services.start_screening(wave=busy_wave, by=None)  # its messages are sent below, to the private Redis
    lists_phase = list(ScreeningPartition.objects.filter(run=run).values_list("pk", flat=True))
    assert len(lists_phase) == PARTITIONS

    worker = worker_on_private_redis(log)
    blocker = Blocker()
    try:
        wait_for(lambda: log.exists() and " ready." in log.read_text(), what="the worker to start", log=log)
        blocker.hold()  # the worker's first partition waits inside its transaction
        with enqueue_on(private_redis, queue) as send:
            for pk in lists_phase:
                send(tasks.screen_partition, (pk,))
        wait_for(lambda: worker_blocked_in_partition(blocker, log), what="the worker to block mid-partition", log=log)
        with private_redis.client() as client:
            waiting = client.llen(queue)
        assert waiting == PARTITIONS - 1, "one message in the worker's hands, the others queued in Redis"

        private_redis.kill()  # the queue and the unacked message are lost
        private_redis.start()  # a new, empty Redis on the same port
        with private_redis.client() as client:
            assert client.llen(queue) == 0
    finally:
        blocker.release()  # the worker finishes the partition it was in

    # The partition in flight commits; the seven whose messages were lost stay pending: the run is stuck.
    wait_for(lambda: ScreeningPartition.objects.filter(run=run, status=ScreeningPartition.Status.DONE).count() == 1,
             what="the partition in flight to finish", log=log)
    lost = set(ScreeningPartition.objects.filter(run=run, status=ScreeningPartition.Status.PENDING)
               .values_list("pk", flat=True))
    assert len(lost) == PARTITIONS - 1
    assert ScreeningRun.objects.get(pk=run.pk).status == ScreeningRun.Status.RUNNING

    # The beat's sweep, once the partitions are older than SCREENING_STALE_AFTER: the task body, in this
    # process, with the clock moved forward instead of waiting; its messages go to the new Redis.
    with enqueue_on(private_redis, queue), \
            time_machine.travel(timezone.now() + services.stale_after() + dt.timedelta(seconds=1)):
        requeued = tasks.requeue_stale_partitions()
    assert set(requeued) == lost

    # The same worker, reconnected to the new Redis by itself, finishes the lists phase, enqueues the KK
    # phase there and completes the run.
    try:
        done = wait_for(run_done(busy_wave), timeout=60, what="the worker to finish after the restart", log=log)
    finally:
        stop(worker)
    worker_log = log.read_text()
    assert worker.returncode is not None

    # No registration unscreened, none counted twice, the run done.
    registrations = set(Registration.objects.filter(wave=busy_wave).values_list("pk", flat=True))
    assert len(registrations) == REGISTRATIONS
    assert done.pk == run.pk
    assert ScreeningRun.objects.filter(wave=busy_wave).count() == 1
    assert Wave.objects.get(pk=busy_wave.pk).status == Wave.Status.SCREENED
    assert done.registration_count == REGISTRATIONS
    assert done.outcome_counts["registrations"] == REGISTRATIONS
    assert done.outcome_counts["eligible"] + done.outcome_counts["ineligible"] == REGISTRATIONS
    results = list(ScreeningResult.objects.filter(wave_id=busy_wave.pk).values_list("registration_id", "run_id"))
    assert len(results) == REGISTRATIONS
    assert {pk for pk, _ in results} == registrations
    assert {run_id for _, run_id in results} == {run.pk}
    partitions = list(ScreeningPartition.objects.filter(run=run))
    assert len(partitions) == 2 * PARTITIONS
    assert all(p.status == ScreeningPartition.Status.DONE for p in partitions)
    assert sum(p.registrations for p in partitions if p.phase == Phase.KK) == REGISTRATIONS
    assert ScreeningHit.objects.filter(run=run).count() == 0  # cleaned up after the run

    # Exactly the result of a clean run: the same wave screened again in this process, in one partition.
    by_worker, counts_by_worker = outcome(busy_wave), done.outcome_counts
    assert {reasons for _, reasons in by_worker.values()} >= {"", "asn", "asn;tni", "bansos", "kk_limit", "prior_awardee"}
    assert by_worker == clean_result(busy_wave)
    clean = ScreeningRun.objects.filter(wave=busy_wave).order_by("-pk").first()
    assert clean.pk != run.pk and clean.status == ScreeningRun.Status.DONE
    assert counts_by_worker == clean.outcome_counts

    # The worker did lose its broker and reconnect (to the new server on the same port).
    assert "Connection to broker lost" in worker_log or "Trying to re-establish" in worker_log, worker_log[-3000:]
