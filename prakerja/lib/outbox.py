"""The task outbox: work that must reach a Celery worker survives a broker that is down.

`delay_on_commit` sends after the commit; when the broker (Redis) is unreachable the send raises after the data
was stored, the page answers 500 and the message is lost (a complaint with no receipt, an account with no
verification mail, a closed wave never screened). Instead:

1. `enqueue_on_commit(task, *args, **kwargs)` writes an OutboxTask row in the caller's transaction, leased to
   this process for LEASE seconds, and after the commit tries the broker once (no retries: a request never
   waits for a broker that is down). Accepted: the row is deleted. Refused: the lease is released and the
   failure logged (task name and row id only); the page answers normally.
2. `send_pending()` (the `prakerja.tasks.send_outbox` beat task, every OUTBOX_SWEEP_SECONDS) claims each row
   whose lease is free or ran out with a conditional UPDATE, so two sweeps (or a sweep and the request) never
   both send it, and hands it to the broker.

Delivery is at least once (a process may die between the broker's acceptance and the delete): every task sent
this way must be safe to run twice. Arguments are stored as JSON: ids and plain values only, never personal data.
Use it where losing the message matters; `delay_on_commit` stays fine for work a sweep of its own re-creates.
"""
from __future__ import annotations

import datetime as dt
import importlib
import logging
from functools import partial

from celery import Task, current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from prakerja.models import OutboxTask

logger = logging.getLogger(__name__)

# How long the process that claimed a row may take to hand it over before a sweep may claim it again (seconds).
LEASE = dt.timedelta(seconds=60)


def enqueue_on_commit(task: Task, *args, **kwargs) -> OutboxTask:
    """Store `task(*args, **kwargs)` in the current transaction and send it once that commits.

    Arguments must be JSON values. Returns the stored row (deleted again once the broker accepts it).
    Never raises because the broker is unreachable.
    """
    row = OutboxTask.objects.create(task=task.name, args=list(args), kwargs=kwargs,
                                    claimed_until=timezone.now() + LEASE)
    transaction.on_commit(partial(_hand_over, row.pk, task, list(args), kwargs))
    return row


def _task_named(name: str) -> Task:
    """The task registered as `name` (tasks are named after their module: "registration.tasks.send_verification")."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _hand_over(row_id: int, task: Task, args: list, kwargs: dict) -> bool:
    """Send one claimed row to the broker: delete it when accepted, release it when not. True when sent."""
    task_name = task.name
    try:
        # One connection attempt, no publish retries: kombu's defaults wait about 6 s on a refused connection.
        # apply_async, not send_task: it honours task_always_eager (make run's debugging switch, the e-mail tests).
        with current_app.connection_for_write(transport_options={"max_retries": 0}) as connection:
            task.apply_async(args=args, kwargs=kwargs, retry=False, connection=connection)
    except Exception as error:  # kombu's OperationalError, a socket error, a timeout: the broker is unreachable
        OutboxTask.objects.filter(pk=row_id).update(claimed_until=None, attempts=F("attempts") + 1,
                                                    last_error=type(error).__name__[:200])
        logger.warning("outbox: broker unreachable, task %s (outbox #%s) kept for the sweep (%s)",
                       task_name, row_id, type(error).__name__)
        return False
    OutboxTask.objects.filter(pk=row_id).delete()
    return True


def send_pending(*, batch: int = 500) -> int:
    """Hand every unclaimed (or lease-expired) row to the broker, oldest first; returns how many were sent.

    Stops at the first refusal: the broker is still down, and the next sweep tries again.
    """
    sent = 0
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    for row in OutboxTask.objects.filter(free).order_by("id")[:batch]:
        # The claim: a conditional UPDATE that only one process can win for this row.
        claimed = OutboxTask.objects.filter(free, pk=row.pk).update(claimed_until=now + LEASE)
        if not claimed:
            continue
        if not _hand_over(row.pk, _task_named(row.task), row.args, row.kwargs):
            break
        sent += 1
    if sent:
        logger.info("outbox: %s tasks handed to the broker", sent)
    return sent
