"""Vanished workers and lost messages: the sweep re-queues, and the result equals a clean run."""
import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from eligibility.screening import services, tasks
from eligibility.models.screening import ScreeningPartition, ScreeningRun

from .conftest import close, drain, make_list, new_kk, new_person, outcome, register, screen


@pytest.fixture
def people(wave):
    kks = [new_kk() for _ in range(6)]
    crowd = [new_person(kk=kks[i % 6]) for i in range(20)]
    make_list("polri", crowd[:4])
    for person in crowd:
        register(person, wave)
    return crowd


def test_a_partition_of_a_vanished_worker_is_requeued_and_the_result_is_clean(wave, people):
    screen(wave, partitions=2)
    clean = outcome(wave)

    run = services.start_screening(wave=wave, by=None, restart=True)
    partition = ScreeningPartition.objects.filter(run=run).order_by("number").first()
    # A worker claims the partition, then is SIGKILLed before its work transaction commits.
    attempt = services.claim_partition(partition_id=partition.pk)
    assert attempt == 1
    # Its own message is gone with it, and a duplicate delivery cannot take over a live claim.
    assert tasks.screen_partition(partition.pk) is False

    with mock.patch.object(tasks.screen_partition, "delay") as enqueue:
        assert services.requeue_stale_partitions() == []  # not stale yet
        with time_machine.travel(timezone.now() + services.stale_after() + dt.timedelta(seconds=1)):
            requeued = tasks.requeue_stale_partitions()
    assert partition.pk in requeued
    partition.refresh_from_db()
    assert partition.status == ScreeningPartition.Status.PENDING

    drain(run)
    assert outcome(wave) == clean
    partition.refresh_from_db()
    assert partition.attempts == 2 and partition.status == ScreeningPartition.Status.DONE


def test_a_stale_worker_finishing_late_writes_nothing(wave, people):
    close(wave)
    run = services.start_screening(wave=wave, by=None)
    partition = ScreeningPartition.objects.filter(run=run).first()
    stale = services.claim_partition(partition_id=partition.pk)
    services.requeue_stale_partitions(older_than=dt.timedelta(0))
    fresh = services.claim_partition(partition_id=partition.pk)
    assert fresh == stale + 1

    assert services.run_partition(partition_id=partition.pk, attempt=stale) is False
    assert services.run_partition(partition_id=partition.pk, attempt=fresh) is True


def test_a_database_error_is_retried_and_takes_over_its_own_claim(wave, people):
    from django.db import OperationalError

    close(wave)
    run = services.start_screening(wave=wave, by=None)
    partition = ScreeningPartition.objects.filter(run=run).first()
    with mock.patch.object(services.sql, "screen_lists", side_effect=OperationalError("server closed the connection")), \
            mock.patch.object(tasks.screen_partition, "retry", side_effect=RuntimeError("retry")) as retry:
        with pytest.raises(RuntimeError):
            tasks.screen_partition(partition.pk)
    assert retry.call_args.kwargs["kwargs"] == {"partition_id": partition.pk, "attempt": 1}
    # The retried delivery takes over the claim it still holds.
    assert tasks.screen_partition(partition.pk, attempt=1) is True
    partition.refresh_from_db()
    assert partition.status == ScreeningPartition.Status.DONE and partition.attempts == 2


def test_a_lost_screen_wave_message_is_sent_again(wave, people, django_capture_on_commit_callbacks):
    close(wave)  # ... and the screen_wave message is lost with a Redis restart: no run starts
    with mock.patch.object(tasks.screen_wave, "delay") as enqueue, \
            time_machine.travel(timezone.now() + services.stale_after() + dt.timedelta(seconds=1)), \
            django_capture_on_commit_callbacks(execute=True):
        services.requeue_stale_partitions()
    enqueue.assert_called_once_with(wave.pk)


def test_a_lost_partition_message_is_sent_again(wave, people, django_capture_on_commit_callbacks):
    close(wave)
    run = services.start_screening(wave=wave, by=None)  # its partition messages are lost
    with mock.patch.object(tasks.screen_partition, "delay") as enqueue, \
            time_machine.travel(timezone.now() + services.stale_after() + dt.timedelta(seconds=1)), \
            django_capture_on_commit_callbacks(execute=True):
        requeued = services.requeue_stale_partitions()
    assert sorted(requeued) == sorted(ScreeningPartition.objects.filter(run=run).values_list("pk", flat=True))
    assert enqueue.call_count == len(requeued)
