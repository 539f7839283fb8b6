"""Logging filters named in settings.LOGGING."""
from __future__ import annotations

import logging


class ForbiddenOnOneLine(logging.Filter):
    """A 403 is logged as one line ("Forbidden (Permission denied): /laporan/"), without the traceback Django
    attaches: a refusal is expected behaviour, and a traceback per refused page buried the real errors in the
    log. Only the path is logged (never the query string, which may hold a NIK or an e-mail address)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
