"""Celery tasks after the draw: thin, each calls one service and is safe to run twice."""
from __future__ import annotations

from celery import shared_task

from aftercare import services


@shared_task
def revoke_past_training_deadline() -> int:
    """Beat, nightly: revoke recipients past their training deadline whom the latest import does not list."""
    return services.revoke_past_training_deadline()
