"""Celery tasks that close waves and screen them. Thin: ids in, one service call.

Every task is safe to run twice (the services claim their work with conditional UPDATEs). Database
connection errors (a restarting PostgreSQL) are retried with exponential backoff; any other error
fails the run with its cause, shown on the wave's admin page, where staff can retry it.
"""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, connections

from eligibility import waves
from eligibility.screening import services
from registration.models import Wave

logger = logging.getLogger(__name__)

RETRY_ON = (OperationalError, InterfaceError)
MAX_RETRIES = 8


def _backoff(retries: int) -> int:
    return min(300, 5 * 2**retries)


def _drop_broken_connections() -> None:
    # After a lost connection Django's wrapper may still hold the dead socket: start afresh.
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


@shared_task(acks_late=True)
def close_due_waves() -> list[int]:
    """Beat, every 15 s: close the open waves whose deadline has passed."""
    return waves.close_due_waves()


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def screen_wave(self, wave_id: int) -> int | None:
    """Start screening a closed wave (enqueued once by close_wave). Duplicates do nothing."""
    try:
        wave = Wave.objects.get(pk=wave_id)
        if wave.status == Wave.Status.CLOSED:
            services.vacuum_for_screening()  # outside a transaction, before the partitions read the tables
        run = services.start_screening(wave=wave, by=None)
    except RETRY_ON as exc:
        _drop_broken_connections()
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except services.WaitingForEarlierWave as exc:
        # The wave stays closed; the sweep (requeue_stale_partitions, every minute) asks again.
        logger.info("Wave %s waits: %s", wave_id, exc)
        return None
    except services.ScreeningError as exc:
        logger.error("Wave %s: the screening could not start: %s", wave_id, exc)
        services.fail_start(wave_id=wave_id, error=str(exc))
        return None
    return run.pk if run else None


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def screen_partition(self, partition_id: int, attempt: int | None = None) -> bool:
    """Screen one partition. `attempt` is set only by this task's own retry (it takes over its claim)."""
    claimed = None
    try:
        claimed = services.claim_partition(partition_id=partition_id, previous_attempt=attempt)
        if claimed is None:
            return False  # a duplicate delivery, a done partition, or a cancelled run
        return services.run_partition(partition_id=partition_id, attempt=claimed)
    except RETRY_ON as exc:
        _drop_broken_connections()
        if self.request.retries >= self.max_retries:
            _fail(partition_id, exc)
            raise
        logger.warning("Screening partition %s: database error, retrying: %s", partition_id, exc)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries),
                         kwargs={"partition_id": partition_id, "attempt": claimed if claimed is not None else attempt})
    except Exception as exc:
        _fail(partition_id, exc)
        raise


def _fail(partition_id: int, exc: Exception) -> None:
    from eligibility.models.screening import ScreeningPartition

    logger.exception("Screening partition %s failed", partition_id)
    try:
        run_id = ScreeningPartition.objects.values_list("run_id", flat=True).get(pk=partition_id)
        services.fail_run(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
    except Exception:  # the database itself is gone: the sweep re-queues the partition later
        logger.exception("Could not record the failure of partition %s", partition_id)


@shared_task(acks_late=True)
def requeue_stale_partitions() -> list[int]:
    """Beat, every 60 s: re-queue partitions whose worker vanished or whose message was lost, and
    re-enqueue (or fail) exclusion-list loads stuck in `loading` for the same reasons."""
    from eligibility.lists.services import requeue_stale_loads

    requeued = services.requeue_stale_partitions()
    requeue_stale_loads()
    return requeued
