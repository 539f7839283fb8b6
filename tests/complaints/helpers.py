"""Builders for complaint tests: valid form data, a bot-trap stamp, real image and PDF bytes."""
from __future__ import annotations

import io
import time
import uuid

from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints.forms import FORM_TOKEN_SALT
from complaints.models import Complaint


def form_token(age_seconds: float = 60) -> str:
    """The bot-trap stamp of a form rendered `age_seconds` ago."""
    return signing.dumps([time.time() - age_seconds, uuid.uuid4().hex], salt=FORM_TOKEN_SALT)


def complaint_data(**overrides) -> dict:
    data = {
        "kind": Complaint.Kind.FAKE_WEBSITE,
        "address": "https://www.Prakerja-Daftar.com/login",
        "description": "A WhatsApp message sent me to this site; it asked for Rp 150.000 and my OTP code.",
        "loss": "Rp 150.000 and a photo of my KTP",
        "amount_lost": "150000",
        "reporter_email": "Pelapor@Example.com",
        "reporter_phone": "0812 3456 7890",
        "consent": "on",
        "homepage": "",
        "rendered_at": form_token(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF (written by pypdf) with `pages` blank A4 pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_BYTES = pdf_bytes()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
