"""Celery task of the reports app: compute a wave's stored summary off the request path."""
from __future__ import annotations

from celery import shared_task

from registration.models import Wave


@shared_task(name="reports.tasks.build_wave_summary", ignore_result=True)
def build_wave_summary(wave_id: int) -> None:
    """Store the summary of the wave's newest finished run for its current selection state.

    Safe to run twice (the summary is keyed by run and selection; a second run finds it stored).
    Enqueue it when a screening run finishes and after the selection so no reader waits for it.
    """
    from reports.services import get_report_state

    wave = Wave.objects.filter(pk=wave_id).first()
    if wave is not None:
        get_report_state(wave=wave, build=True)
