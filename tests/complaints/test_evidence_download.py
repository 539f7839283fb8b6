"""Evidence lives under MEDIA_ROOT with no public URL; staff with the permission download it through a view,
always as an attachment with nosniff; anonymous visitors, applicants and staff without it are refused."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from complaints import services
from complaints.models import Complaint
from complaints.uploads import CheckedUpload
from tests.complaints.helpers import PDF_BYTES, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(db):
    complaint = services.file_complaint(
        kind=Complaint.Kind.FAKE_WEBSITE, address="prakerja-daftar.com", description="Minta OTP.",
        reporter_email="pelapor@example.com",
        police_report=CheckedUpload(upload("polisi.pdf", PDF_BYTES), "application/pdf"),
    )
    return complaint.files.get()


def test_it_serves_the_file_to_staff_as_an_attachment(client, staff, evidence):
    client.force_login(staff)

    response = client.get(reverse("complaints:evidence", args=[evidence.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{evidence.complaint.reference}-police_report-{evidence.pk}.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_it_refuses_anonymous_visitors(client, evidence):
    response = client.get(reverse("complaints:evidence", args=[evidence.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_refuses_applicants(client, applicant, evidence):
    client.force_login(applicant.user)
    assert client.get(reverse("complaints:evidence", args=[evidence.pk])).status_code == 403


def test_it_refuses_staff_without_the_permission(client, viewer, evidence):
    client.force_login(viewer)
    assert client.get(reverse("complaints:evidence", args=[evidence.pk])).status_code == 403

    viewer.user_permissions.add(Permission.objects.get(codename="view_evidence"))
    client.force_login(viewer)
    assert client.get(reverse("complaints:evidence", args=[evidence.pk])).status_code == 200


def test_it_has_no_public_media_url(client, evidence, settings):
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    assert client.get("/" + evidence.file.name).status_code == 404
    assert client.get("/uploads/" + evidence.file.name).status_code == 404
