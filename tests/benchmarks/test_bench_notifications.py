"""`bench_notifications` runs (tiny) on PostgreSQL against its own SMTP sink, and refuses other databases."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from notifications.models import Notification


def test_it_mails_a_small_bench_wave_through_the_outbox_and_directly_on_postgresql_only(transactional_db):
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            call_command("bench_notifications", "--registrations", "10")
        return
    out = io.StringIO()
    call_command("bench_notifications", "--registrations", "40", "--batch", "15", stdout=out)
    text = out.getvalue()
    assert "outbox drain (batches of 15, no rate limit): 40 messages" in text
    assert "reference: smtplib loop" in text and "peak memory" in text
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 40
    out = io.StringIO()
    call_command("bench_notifications", "--registrations", "40", "--no-reference", stdout=out)
    assert "building" not in out.getvalue() and "40 messages" in out.getvalue()
