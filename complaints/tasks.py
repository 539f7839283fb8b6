"""Celery tasks of the complaints app: thin, taking ids and plain values."""
from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import Complaint

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, retry_backoff_max=600,
             max_retries=8)
def send_receipt(self, *, complaint_id: int, language: str = "id") -> None:
    """E-mail the reporter their reference number. Safe to run twice: the send is claimed first.

    Logs the complaint id only, never the reporter's address (personal data).
    """
    complaint = Complaint.objects.filter(pk=complaint_id).only("reference", "reporter_email").first()
    if complaint is None or not services.mark_receipt_sent(complaint_id=complaint_id):
        return
    try:
        with translation.override(language):
            context = {
                "complaint": complaint,
                "status_url": settings.SITE_URL.rstrip("/") + reverse("complaints:status"),
                "OFFICIAL_SITE_URL": settings.OFFICIAL_SITE_URL,
            }
            subject = render_to_string("complaints/email/receipt_subject.txt", context).strip()
            body = render_to_string("complaints/email/receipt.txt", context)
        EmailMessage(subject=subject, body=body, to=[complaint.reporter_email]).send()
    except Exception:
        services.release_receipt(complaint_id=complaint_id)
        logger.warning("complaint %s: receipt e-mail failed, will retry", complaint_id)
        raise


@shared_task
def remove_expired_evidence() -> int:
    """Nightly (Celery beat): delete the files of complaints closed longer ago than the retention period.

    Batch after batch, each its own short transaction, until none is left. Returns the number of files removed.
    """
    removed = 0
    while count := services.remove_expired_evidence():
        removed += count
    if removed:
        logger.info("complaint retention: %s files removed", removed)
    return removed
