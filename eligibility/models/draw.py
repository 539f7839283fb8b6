"""What the selection publishes so that every applicant can check the draw (eligibility.draw)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.models import Wave


class PublishedDraw(models.Model):
    """Written once, in the selection's transaction; public on the wave page. Holds no NIK."""

    wave = models.OneToOneField(Wave, primary_key=True, on_delete=models.PROTECT, related_name="draw",
                                verbose_name=_("wave"))
    eligible_count = models.PositiveIntegerField(_("eligible registrations"))
    selected_count = models.PositiveIntegerField(_("selected registrations"))
    # SHA-256 hex of "{seed}:{nik}" of the last selected registration ("" when none was selected).
    cutoff_ticket = models.CharField(_("cut-off ticket"), max_length=64, blank=True)
    # SHA-256 hex of the ticket list file: every eligible ticket, sorted, each followed by "\n".
    pool_commitment = models.CharField(_("commitment to the ordered pool"), max_length=64)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("published draw")
        verbose_name_plural = _("published draws")

    def __str__(self) -> str:
        return str(self.wave)
