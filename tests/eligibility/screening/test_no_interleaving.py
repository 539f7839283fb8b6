"""Two runs of one wave never interleave: a restart waits, on the run's row lock, for the partition
transactions in flight (PostgreSQL: row locks; SQLite serialises every writer anyway)."""
import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections

from eligibility import waves
from eligibility.screening import services, tasks
from eligibility.models.screening import ScreeningHit, ScreeningPartition, ScreeningRun

from .conftest import drain, make_list, make_wave, new_person, outcome, register
from .test_worker import Blocker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


def in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[key] = exc
        finally:
            connections.close_all()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def waiting_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_restart_waits_for_the_partition_in_flight(drop_list_tables):
    wave = make_wave(number=95)
    people = [new_person() for _ in range(10)]
    make_list("asn", people[:2])
    for person in people:
        register(person, wave)
    with mock.patch.object(tasks.screen_wave, "delay_on_commit"), \
            mock.patch.object(tasks.screen_partition, "delay_on_commit"):
        waves.close_wave(wave=wave, by=None)
        first = services.start_screening(wave=wave, by=None)
        partition = ScreeningPartition.objects.filter(run=first).order_by("number").first()
        attempt = services.claim_partition(partition_id=partition.pk)

        blocker = Blocker()
        blocker.hold()  # the partition's transaction will wait on the hit table
        results = {}
        try:
            worker = in_thread(lambda: services.run_partition(partition_id=partition.pk, attempt=attempt),
                               results, "partition")
            wait_until(lambda: waiting_locks() >= 1)
            restart = in_thread(lambda: services.start_screening(wave=wave, by=None, restart=True), results, "restart")
            wait_until(lambda: waiting_locks() >= 2)  # the restart waits for the partition's run lock
            assert ScreeningRun.objects.get(pk=first.pk).status == ScreeningRun.Status.RUNNING
        finally:
            blocker.release()
        worker.join(20), restart.join(20)

        assert results["partition"] is True  # committed under the first run, before it was cancelled
        second = results["restart"]
        assert isinstance(second, ScreeningRun)
        assert ScreeningRun.objects.get(pk=first.pk).status == ScreeningRun.Status.CANCELLED
        drain(second)
    assert set(ScreeningHit.objects.values_list("run_id", flat=True)) <= {first.pk, second.pk}
    assert len(outcome(wave)) == 10
    assert sum(1 for status, _ in outcome(wave).values() if status == "ineligible") == 2
