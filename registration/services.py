"""Workflows of the registration app: each is one transaction, with keyword-only arguments."""
from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.models import User, Wave


class WaveError(Exception):
    """A refused change to a wave; str() is a message for staff in their language."""


def check_no_overlap(*, opens_at, closes_at, exclude_pk: int | None = None) -> None:
    """At most one wave accepts registrations at a time: open windows may not overlap."""
    overlapping = Wave.objects.filter(opens_at__lt=closes_at, closes_at__gt=opens_at).exclude(pk=exclude_pk)
    wave = overlapping.order_by("number").first()
    if wave is not None:
        raise WaveError(
            _("The registration window overlaps wave %(number)s (Jendela pendaftaran bertumpang tindih).")
            % {"number": wave.number}
        )


def open_wave(*, wave: Wave, by: User | None) -> Wave:
    """Publish a draft wave: it accepts registrations from opens_at until closes_at.

    The lottery seed is drawn here, once, and only its SHA-256 commitment is ever shown until selection.
    Idempotent: opening an open wave changes nothing (the seed is never redrawn).
    """
    with transaction.atomic():
        # Lock every wave row: two waves opened at once must not both pass the overlap check.
        list(Wave.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        wave = Wave.objects.get(pk=wave.pk)
        if wave.status != Wave.Status.DRAFT:
            return wave
        check_no_overlap(opens_at=wave.opens_at, closes_at=wave.closes_at, exclude_pk=wave.pk)
        seed = secrets.token_hex(32)
        wave.seed = seed
        wave.seed_commitment = Wave.commitment_for(seed)
        wave.status = Wave.Status.OPEN
        wave.opened_at = timezone.now()
        wave.save(update_fields=["seed", "seed_commitment", "status", "opened_at"])
    return wave
