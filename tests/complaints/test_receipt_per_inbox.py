"""Receipts are limited per reporter inbox: eight complaints from eight client addresses naming one victim's
address put COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY receipts in it, not eight; the next day it gets them again."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints.helpers import complaint_data

pytestmark = pytest.mark.django_db


def test_eight_complaints_from_eight_addresses_send_the_day_s_receipts_only(client, settings,
                                                                           django_capture_on_commit_callbacks):
    settings.COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY = 3
    spellings = ["korban@gmail.com", "Korban+1@gmail.com", "k.o.r.b.a.n@gmail.com", "korban+x@googlemail.com"]
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)) as traveller:
        for number in range(8):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(reverse("complaints:new"), complaint_data(
                    reporter_email=spellings[number % len(spellings)]), REMOTE_ADDR=f"198.51.100.{number + 1}")
            assert response.status_code == 302  # the page still shows the reference
        assert Complaint.objects.count() == 8
        assert len(mail.outbox) == 3
        assert Complaint.objects.filter(receipt_sent_at__isnull=False).count() == 3

        traveller.shift(dt.timedelta(days=1, minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("complaints:new"), complaint_data(reporter_email="korban@gmail.com"),
                        REMOTE_ADDR="198.51.100.99")
        assert len(mail.outbox) == 4
