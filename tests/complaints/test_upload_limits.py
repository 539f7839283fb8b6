"""Uploads cost what their size says: an image's pixels are checked from its header before anything is decoded, an
oversized request body is refused before it is parsed or written to disk, and a PDF must parse."""
from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from complaints.models import Complaint, Evidence
from tests.complaints.helpers import PDF_BYTES, complaint_data, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _bomb_webp() -> bytes:
    """A one-colour 6300x6300 WebP: a few KiB on disk, 159 MB of pixels decoded."""
    buffer = io.BytesIO()
    Image.new("RGB", (6300, 6300), (255, 255, 255)).save(buffer, format="WEBP", lossless=True)
    return buffer.getvalue()


def test_it_refuses_a_decompression_bomb_without_decoding_it(en_client, media_root):
    bomb = _bomb_webp()
    assert len(bomb) < 64 * 1024
    with mock.patch.object(Image.Image, "load", side_effect=AssertionError("decoded")) as load:
        response = en_client.post(reverse("complaints:new"), complaint_data(
            evidence=[upload("layar.webp", bomb, "image/webp")]))
    assert response.context["form"].errors["evidence"] == [
        "“layar.webp” is too large an image. Send a smaller photo or screenshot."]
    assert not load.called
    assert not Complaint.objects.exists()


def test_it_refuses_an_oversized_body_before_reading_it(settings, media_root):
    settings.COMPLAINT_MAX_UPLOAD_BYTES = 10_000
    settings.COMPLAINT_MAX_EVIDENCE_FILES = 1
    client = Client(enforce_csrf_checks=True)  # the CSRF check would parse the body: it must not be reached
    files = [SimpleUploadedFile(f"{n}.pdf", b"%PDF-" + b"x" * 200_000, "application/pdf") for n in range(3)]
    with mock.patch("django.http.multipartparser.MultiPartParser.parse", side_effect=AssertionError("parsed")) as parse:
        response = client.post(reverse("complaints:new"), complaint_data(evidence=files), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not parse.called
    assert not media_root.exists() or not any(media_root.rglob("*"))


def test_a_body_within_the_limit_reaches_the_form(en_client, media_root):
    response = en_client.post(reverse("complaints:new"), complaint_data(
        police_report=upload("polisi.pdf", pdf_bytes(2), "application/pdf")))
    assert response.status_code == 302
    assert Evidence.objects.get(complaint=Complaint.objects.get()).content_type == "application/pdf"


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF\n",  # a header and a trailer, no PDF between them
    PDF_BYTES.replace(b"/Type /Pages", b"/Type /Nothing"),
    PDF_BYTES[: len(PDF_BYTES) // 2] + b"\n%%EOF\n",
])
def test_it_refuses_a_pdf_that_does_not_parse(en_client, media_root, content):
    response = en_client.post(reverse("complaints:new"), complaint_data(
        police_report=upload("polisi.pdf", content, "application/pdf")))
    assert response.status_code == 200
    assert "is not a readable JPEG, PNG or WebP image or PDF document" in response.content.decode().replace("&#x27;", "'")
    assert not Complaint.objects.exists()
