"""The mail outbox: one row per e-mail to an applicant, written in the transaction of the event it tells.

Rows move queued -> sending -> sent | failed, each move a conditional UPDATE (notifications.services). A row
is sent at most once: it is claimed (queued -> sending) before the mail server is spoken to, and a row left in
`sending` (the worker died, or the server dropped the connection while taking it) is never sent again by
itself: it is counted as "unconfirmed" for staff, who may requeue it knowing it may arrive twice.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registration.models import Registration, Wave


class Notification(models.Model):
    class Kind(models.TextChoices):
        JOINED = "joined", _("Joined the wave")
        RESULT = "result", _("Screening result")
        SELECTION = "selection", _("Selection result")
        PROMOTED = "promoted", _("Promoted from the reserve")
        APPEAL_DECIDED = "appeal_decided", _("Appeal decided")
        REVOKED = "revoked", _("Card revoked")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending (unconfirmed)")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # Bulk-written by INSERT ... SELECT (notifications.services): no foreign-key checks on the big tables.
    registration = models.ForeignKey(Registration, on_delete=models.DO_NOTHING, db_constraint=False,
                                     db_index=False, related_name="notifications", verbose_name=_("registration"))
    wave = models.ForeignKey(Wave, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+", verbose_name=_("wave"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+", verbose_name=_("account"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    # Which event of its kind, where a registration may have several (appeal_decided: the appeal's id); else 0.
    ref = models.PositiveBigIntegerField(_("event"), default=0, db_default=0)
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    # Not before this moment: a batch the mail server refused waits here before it is tried again.
    available_at = models.DateTimeField(_("not before"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The exception's class and the server's reply code, never an address.
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # One e-mail per registration and event: a re-screened wave or a repeated selection adds none.
            models.UniqueConstraint(fields=["registration", "kind", "ref"], name="notification_once_per_event"),
        ]
        indexes = [
            # The drain's claim: the oldest queued rows. Partial, so sent rows cost it nothing.
            models.Index(fields=["available_at", "id"], condition=models.Q(status="queued"),
                         name="notification_queued_idx"),
            models.Index(fields=["wave", "status"], name="notification_wave_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
