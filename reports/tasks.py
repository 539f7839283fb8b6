"""Celery task of the reports app: compute a wave's stored summary off the request path."""
from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from registration.models import Wave


# OperationalError covers PostgreSQL's serialization failure: the summary reads one REPEATABLE READ
# snapshot, and a selection updating the wave row meanwhile makes the insert fail; a retry reads anew.
@shared_task(name="reports.tasks.build_wave_summary", ignore_result=True, acks_late=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, max_retries=5)
def build_wave_summary(wave_id: int) -> None:
    """Store the summary of the wave's newest finished run for its current selection state.

    Safe to run twice (the summary is keyed by run and selection; a second run finds it stored).
    Enqueue it when a screening run finishes and after the selection so no reader waits for it.
    """
    from reports.services import get_report_state

    wave = Wave.objects.filter(pk=wave_id).first()
    if wave is not None:
        get_report_state(wave=wave, build=True)
