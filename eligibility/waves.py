"""The wave's lifecycle after publication: closing (by staff or at the deadline) and the lottery.

Rules: docs/DOMAIN.md, "Waves" and "Selection".
"""
from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eligibility.models.screening import ScreeningResult
from eligibility.screening import sql
from eligibility.screening.services import enqueue_wave_summary, unselected_earlier_wave
from eligibility.screening.sql import ScreeningError
from registration.models import User, Wave

logger = logging.getLogger(__name__)


def close_wave(*, wave: Wave, by: User | None) -> bool:
    """Close an open wave and enqueue its screening. Idempotent: returns False when it was not open.

    Race with joining: join_wave holds FOR SHARE on the wave row and re-checks the status inside its
    transaction. FOR UPDATE here waits for those in-flight joins to commit (they are screened), and
    every join after this commit sees the wave closed.
    """
    from eligibility.screening.tasks import screen_wave

    with transaction.atomic():
        Wave.objects.select_for_update().filter(pk=wave.pk).first()
        closed = Wave.objects.filter(pk=wave.pk, status=Wave.Status.OPEN).update(
            status=Wave.Status.CLOSED, closed_at=timezone.now(), closed_by=by
        )
        if closed:
            # The conditional UPDATE makes this the only transaction that enqueues the screening.
            screen_wave.delay_on_commit(wave.pk)
    return bool(closed)


def close_due_waves(*, now: dt.datetime | None = None) -> list[int]:
    """Close every open wave whose deadline has passed (Celery beat). Returns the closed numbers."""
    now = now or timezone.now()
    closed = []
    for wave in Wave.objects.filter(status=Wave.Status.OPEN, closes_at__lte=now).order_by("closes_at"):
        if close_wave(wave=wave, by=None):
            closed.append(wave.number)
    return closed


def _check_earlier_recipients_known(wave: Wave) -> None:
    """Refuse a selection while an earlier wave's recipients are unknown. (Its screening waited for them too, and
    published waves run in number order: registration.services.check_number_order.)"""
    earlier = unselected_earlier_wave(wave)
    if earlier is not None:
        raise ScreeningError(_("Run the selection of wave %(earlier)s first: its recipients are prior awardees "
                               "for wave %(number)s."), number=wave.number, earlier=earlier)


def select_awardees(*, wave: Wave, by: User | None) -> int:
    """Rank every eligible registration by SHA-256 of "{seed}:{nik}" (ascending hex), select the first
    `quota`, keep every rank (the reserve list) and reveal the seed. Returns the number selected.

    Idempotent: a selected wave is returned unchanged. Set-based: one UPDATE ... FROM a ROW_NUMBER()
    window, the hash computed by the database (PostgreSQL's built-in sha256(); on SQLite the SHA256()
    function Django registers on every connection).
    """
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if wave.status == Wave.Status.SELECTED:
            return ScreeningResult.objects.filter(wave_id=wave.pk, selected=True).count()
        if wave.status != Wave.Status.SCREENED:
            raise ScreeningError(
                _("Wave %(number)s must be screened before the selection (it is %(status)s)."),
                number=wave.number, status=Wave.Status(wave.status).label,
            )
        _check_earlier_recipients_known(wave)
        sql.rank_eligible(wave)
        Wave.objects.filter(pk=wave.pk).update(
            status=Wave.Status.SELECTED, seed_revealed_at=timezone.now(), selected_by=by
        )
        # A later wave waiting for these recipients starts its screening now (the sweep is the fallback).
        from eligibility.screening.tasks import screen_wave

        waiting = Wave.objects.filter(number__gt=wave.number, status=Wave.Status.CLOSED)
        for wave_id in waiting.values_list("pk", flat=True):
            screen_wave.delay_on_commit(wave_id)
        selected = ScreeningResult.objects.filter(wave_id=wave.pk, selected=True).count()
        enqueue_wave_summary(wave.pk)
    logger.info("Wave %s: %s selected by user #%s", wave.number, selected, by.pk if by else None)
    return selected
