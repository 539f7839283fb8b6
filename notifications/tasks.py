"""The outbox's drainer: one at a time (a cache lease), resumed by beat every minute after a worker dies."""
from __future__ import annotations

import uuid

from celery import shared_task
from django.core.cache import cache

from notifications import services

_LEASE = "notifications:drain-lease"
_BUDGET_SECONDS = 50.0


def drainer_running() -> bool:
    """True while a drainer holds the lease. False when the cache cannot be reached: a kick too many is harmless
    (the second drainer finds the lease taken and returns)."""
    try:
        return cache.get(_LEASE) is not None
    except Exception:  # noqa: BLE001 - any cache client error means "not known to be running"
        return False


@shared_task
def drain_notifications() -> dict | None:
    """Send queued notifications for up to ~50 s, then hand over to a fresh task if any are left. A second
    drainer started meanwhile (an event's kick, beat) finds the lease taken and returns; a killed worker's
    lease expires after 2 minutes and beat starts the next one."""
    token = uuid.uuid4().hex
    if not cache.add(_LEASE, token, timeout=int(_BUDGET_SECONDS) + 70):
        return None
    try:
        totals = services.drain(budget_seconds=_BUDGET_SECONDS)
    finally:
        if cache.get(_LEASE) == token:
            cache.delete(_LEASE)
    if totals["more"]:
        drain_notifications.delay()
    return totals


@shared_task
def queue_result_mails(wave_id: int) -> int:
    """Queue the screening result e-mail of every screened registration of the wave (services.queue_results), after
    the run that made the results final committed: a six-million-row INSERT kept out of that transaction, so the
    report summary staff wait for is built beside it. Safe to run twice (a registration already told is skipped);
    sent through the task outbox (prakerja.lib.outbox), so a broker outage does not lose it. Rows added."""
    return services.queue_results(wave_id=wave_id)
