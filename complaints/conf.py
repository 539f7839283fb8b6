"""The complaint form's limits, read from settings at call time (so tests can override them); the defaults live
in settings.py and a system check refuses values out of range.

| setting | default | what it limits |
|---|---|---|
| COMPLAINT_MAX_UPLOAD_BYTES | 5 MB | the size of each uploaded file |
| COMPLAINT_MAX_EVIDENCE_FILES | 3 | evidence files per complaint (the police report is one more) |
| COMPLAINT_MAX_IMAGE_PIXELS | 40 million | an image's width x height (decompression bombs) |
| COMPLAINT_RATE_LIMIT | 5/h | complaint form POSTs per client IP |
| COMPLAINT_LOOKUP_RATE_LIMIT | 20/h | status look-up POSTs per client IP |
| COMPLAINT_MIN_FILL_SECONDS | 3 | a form posted sooner after it was rendered is a bot's |
| COMPLAINT_FORM_MAX_AGE | 86400 | a form older than this (seconds) must be sent again |
| COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY | 3 | receipt e-mails one inbox gets in 24 hours, whoever files |
| COMPLAINT_EVIDENCE_RETENTION_DAYS | 365 | days a closed complaint keeps its files before they are deleted |
"""
from __future__ import annotations

from django.conf import settings


def max_upload_bytes() -> int:
    return settings.COMPLAINT_MAX_UPLOAD_BYTES


def max_evidence_files() -> int:
    return settings.COMPLAINT_MAX_EVIDENCE_FILES


# The form's text fields and the multipart framing fit well inside this, beside the files.
FORM_OVERHEAD_BYTES = 256 * 1024


def max_request_bytes() -> int:
    """The largest complaint POST: every evidence file and the police report at their limit, plus the text."""
    return (max_evidence_files() + 1) * max_upload_bytes() + FORM_OVERHEAD_BYTES


def max_image_pixels() -> int:
    return settings.COMPLAINT_MAX_IMAGE_PIXELS


def min_fill_seconds() -> float:
    return settings.COMPLAINT_MIN_FILL_SECONDS


def form_max_age() -> int:
    return settings.COMPLAINT_FORM_MAX_AGE


def receipts_per_inbox_per_day() -> int:
    return settings.COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY


def evidence_retention_days() -> int:
    return settings.COMPLAINT_EVIDENCE_RETENTION_DAYS
