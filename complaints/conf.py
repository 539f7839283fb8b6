"""The complaint form's limits, read from settings at call time (so tests can override them), with defaults.

| setting | default | what it limits |
|---|---|---|
| COMPLAINT_MAX_UPLOAD_BYTES | 5 MB | the size of each uploaded file |
| COMPLAINT_MAX_EVIDENCE_FILES | 3 | evidence files per complaint (the police report is one more) |
| COMPLAINT_MAX_IMAGE_PIXELS | 40 million | an image's width x height (decompression bombs) |
| COMPLAINT_RATE_LIMIT | 5/h | complaint form POSTs per client IP |
| COMPLAINT_LOOKUP_RATE_LIMIT | 20/h | status look-up POSTs per client IP |
| COMPLAINT_MIN_FILL_SECONDS | 3 | a form posted sooner after it was rendered is a bot's |
| COMPLAINT_FORM_MAX_AGE | 86400 | a form older than this (seconds) must be sent again |
| COMPLAINT_EVIDENCE_RETENTION_DAYS | 365 | days a closed complaint keeps its files before they are deleted |
"""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def max_upload_bytes() -> int:
    return int(getattr(settings, "COMPLAINT_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))


def max_evidence_files() -> int:
    return int(getattr(settings, "COMPLAINT_MAX_EVIDENCE_FILES", 3))


def max_image_pixels() -> int:
    return int(getattr(settings, "COMPLAINT_MAX_IMAGE_PIXELS", 40_000_000))


def min_fill_seconds() -> float:
    return float(getattr(settings, "COMPLAINT_MIN_FILL_SECONDS", 3))


def form_max_age() -> int:
    return int(getattr(settings, "COMPLAINT_FORM_MAX_AGE", 24 * 60 * 60))


def evidence_retention_days() -> int:
    return int(getattr(settings, "COMPLAINT_EVIDENCE_RETENTION_DAYS", 365))


# django-ratelimit calls a callable rate with (group, request).
def form_rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "COMPLAINT_RATE_LIMIT", "5/h")


def lookup_rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "COMPLAINT_LOOKUP_RATE_LIMIT", "20/h")
