"""Bad input on the complaint form: a clear message on the offending field, and nothing stored."""
from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint, Evidence, ReportedTarget
from tests.complaints.helpers import PDF_BYTES, complaint_data, image_bytes, upload

pytestmark = pytest.mark.django_db


def _post(client, **overrides):
    return client.post(reverse("complaints:new"), complaint_data(**overrides))


def _nothing_stored(media_root) -> bool:
    no_files = not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))
    return not Complaint.objects.exists() and not ReportedTarget.objects.exists() and not Evidence.objects.exists() \
        and no_files


@pytest.mark.parametrize(("field", "message"), [
    ("kind", "Choose what you are reporting."),
    ("address", "Enter the address of the site or the contact of the person."),
    ("description", "Describe what happened."),
    ("reporter_email", "Enter your e-mail address: you need it to check the status."),
    ("consent", "Tick the box to agree, or we cannot act on your report."),
])
def test_it_names_each_missing_required_field(en_client, media_root, field, message):
    response = _post(en_client, **{field: None})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert _nothing_stored(media_root)


def test_it_says_it_in_indonesian_by_default(client, media_root):
    response = _post(client, description=None)

    assert "Ceritakan apa yang terjadi." in response.content.decode()
    assert _nothing_stored(media_root)


def test_it_refuses_a_file_that_claims_to_be_a_pdf_but_is_not(en_client, media_root):
    fake = upload("laporan.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")

    response = _post(en_client, evidence=[fake])

    assert response.context["form"].errors["evidence"] == [
        "“laporan.pdf” is not a readable JPEG, PNG or WebP image or PDF document."]
    assert _nothing_stored(media_root)


def test_it_refuses_a_pdf_header_without_a_trailer(en_client, media_root):
    truncated = upload("polisi.pdf", PDF_BYTES.replace(b"%%EOF", b""), "application/pdf")

    response = _post(en_client, police_report=truncated)

    assert "is not a readable" in response.context["form"].errors["police_report"][0]
    assert _nothing_stored(media_root)


def test_it_refuses_an_image_that_does_not_decode(en_client, media_root):
    png = image_bytes("PNG", (400, 300))
    broken = upload("bukti.png", png[:len(png) // 2], "image/png")  # a real PNG header, cut in half

    response = _post(en_client, evidence=[broken])

    assert response.context["form"].errors["evidence"] == [
        "“bukti.png” is not a readable JPEG, PNG or WebP image or PDF document."]
    assert _nothing_stored(media_root)


def test_it_refuses_an_image_named_as_another_type(en_client, media_root):
    """A JPEG named .png is fine (content decides); a PNG header on JPEG data is not."""
    jpeg_named_png = upload("foto.png", image_bytes("JPEG"), "image/png")
    response = _post(en_client, evidence=[jpeg_named_png])
    assert response.status_code == 302
    assert Evidence.objects.get().content_type == "image/jpeg"


def test_it_refuses_an_oversized_file(en_client, media_root, settings):
    settings.COMPLAINT_MAX_UPLOAD_BYTES = 1024
    padding = 2150 - len(PDF_BYTES) - len(b"%\n%%EOF\n")  # 2150 bytes in all: "2.1 KB"
    big = upload("besar.pdf", PDF_BYTES + b"%" + b"x" * padding + b"\n%%EOF\n", "application/pdf")

    response = _post(en_client, evidence=[big])

    [error] = response.context["form"].errors["evidence"]
    assert error.startswith("“besar.pdf” is 2.1\xa0KB: files may be at most 1.0\xa0KB")
    assert _nothing_stored(media_root)


def test_it_refuses_too_many_files(en_client, media_root):
    files = [upload(f"bukti-{n}.png", image_bytes("PNG"), "image/png") for n in range(4)]

    response = _post(en_client, evidence=files)

    assert response.context["form"].errors["evidence"] == ["Attach at most 3 evidence files."]
    assert _nothing_stored(media_root)


def test_it_reports_every_bad_file_at_once(en_client, media_root):
    files = [upload("a.pdf", b"not a pdf"), upload("ok.webp", image_bytes("WEBP"), "image/webp"),
             upload("b.jpg", b"\xff\xd8\xff\xe0 junk")]

    response = _post(en_client, evidence=files)

    errors = response.context["form"].errors["evidence"]
    assert len(errors) == 2 and "“a.pdf”" in errors[0] and "“b.jpg”" in errors[1]
    assert _nothing_stored(media_root)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reporter_email", "bukan-email", "Enter a valid e-mail address, e.g. nama@contoh.com."),
    ("reporter_phone", "12345", "Enter an Indonesian mobile number, e.g. 0812 3456 7890."),
    ("address", "@@@", "Enter a web address, a phone number or an account name."),
    ("address", "joki prakerja di grup facebook", "Enter the web address of the fake site, e.g. prakerja-daftar.com."),
    ("amount_lost", "seratus ribu", "Enter the amount in rupiah, digits only."),
    ("kind", "hacker", "Choose what you are reporting."),
])
def test_it_explains_other_bad_values(en_client, media_root, field, value, message):
    response = _post(en_client, **{field: value})

    assert response.context["form"].errors[field] == [message]
    assert _nothing_stored(media_root)


def test_it_accepts_a_multi_picture_jpeg_from_a_phone_camera(en_client):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buffer, format="MPO", save_all=True, append_images=[Image.new("RGB", (64, 48))])

    response = _post(en_client, evidence=[upload("IMG_20260302.jpg", buffer.getvalue(), "image/jpeg")])

    assert response.status_code == 302
    assert Evidence.objects.get().content_type == "image/jpeg"


def test_it_refuses_an_image_with_too_many_pixels(en_client, media_root, settings):
    settings.COMPLAINT_MAX_IMAGE_PIXELS = 1000

    response = _post(en_client, evidence=[upload("besar.png", image_bytes("PNG", (100, 100)), "image/png")])

    assert response.context["form"].errors["evidence"] == [
        "“besar.png” is too large an image. Send a smaller photo or screenshot."]
    assert _nothing_stored(media_root)
