"""The applicant's path: the dashboard links to the appeal form while the window is open; the form files an appeal
per reason with checked evidence; the decision shows on the dashboard. Staff decide beside what screening found."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftercare.models import Appeal, AppealFile
from tests.aftercare.conftest import ineligible_in_wave_20, result_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ineligible(applicant, settings):
    settings.APPEAL_WINDOW_DAYS = 3
    return ineligible_in_wave_20(applicant)


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return SimpleUploadedFile("sk.png", buffer.getvalue(), content_type="image/png")


def test_it_links_the_dashboard_to_the_appeal_form_while_the_window_is_open(client, applicant, ineligible):
    client.force_login(applicant.user)
    html = client.get(reverse("registration:dashboard")).content.decode()
    assert reverse("aftercare:appeal", args=[20]) in html
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, hours=1)):
        html = client.get(reverse("registration:dashboard")).content.decode()
        assert reverse("aftercare:appeal", args=[20]) not in html


def test_it_files_an_appeal_with_checked_evidence(client, applicant, ineligible):
    client.force_login(applicant.user)
    response = client.post(reverse("aftercare:appeal", args=[20]),
                           {"reason": "asn", "statement": "Saya berhenti dari ASN tahun 2019.", "evidence": [png()]})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.registration, appeal.reason, appeal.status) == (ineligible, "asn", "pending")
    assert AppealFile.objects.get().content_type == "image/png"


def test_it_refuses_a_file_that_is_not_an_image_or_pdf_with_a_message(client, applicant, ineligible):
    client.force_login(applicant.user)
    fake = SimpleUploadedFile("sk.png", b"MZ not an image", content_type="image/png")
    response = client.post(reverse("aftercare:appeal", args=[20]),
                           {"reason": "asn", "statement": "Bukan ASN.", "evidence": [fake]})
    assert response.status_code == 200
    assert "sk.png" in response.content.decode()
    assert not Appeal.objects.exists()


def test_it_refuses_someone_elses_registration(client, other_applicant, ineligible):
    client.force_login(other_applicant.user)
    assert client.get(reverse("aftercare:appeal", args=[20])).status_code == 404
    assert client.post(reverse("aftercare:appeal", args=[20]), {"reason": "asn", "statement": "x"}).status_code == 404


def test_staff_see_the_list_version_and_decide(client, applicant, ineligible, staff):
    appeal = Appeal.objects.create(registration=ineligible, reason="asn", statement="Bukan ASN.")
    client.force_login(staff)
    page = client.get(reverse("admin:aftercare_appeal_decide", args=[appeal.pk])).content.decode()
    assert "bkn-2019.csv" in page
    assert applicant.nik not in page
    response = client.post(reverse("admin:aftercare_appeal_decide", args=[appeal.pk]),
                           {"decision": "rejected", "reason": "Masih tercatat di BKN per Mei."})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == ("rejected", staff)
    client.force_login(applicant.user)
    html = client.get(reverse("registration:dashboard")).content.decode()
    assert "Masih tercatat di BKN per Mei." in html
    assert result_of(ineligible).status == "ineligible"


def test_a_viewer_without_permission_cannot_decide(client, ineligible, viewer):
    appeal = Appeal.objects.create(registration=ineligible, reason="asn", statement="Bukan ASN.")
    client.force_login(viewer)
    response = client.post(reverse("admin:aftercare_appeal_decide", args=[appeal.pk]),
                           {"decision": "upheld", "reason": "ok"})
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == "pending"
