"""Platform tables shared by every app: the task outbox (prakerja.lib.outbox)."""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxTask(models.Model):
    """A Celery task that must reach a worker, stored in the transaction of the change that asks for it.

    Written by prakerja.lib.outbox.enqueue_on_commit and deleted once the broker has accepted the message. Holds
    a task name and plain values (ids, a language code, a base URL), never personal data: the table is read by
    whoever reads the database. `claimed_until` is the lease of the process handing it over (the request that
    wrote it, or the sweep); a row whose lease ran out belongs to the next sweep.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The exception's class only (a broker error's text may carry a host name or a password-bearing URL).
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "outbox task"
        indexes = [models.Index(fields=["claimed_until", "id"], name="outbox_task_claim_idx")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
