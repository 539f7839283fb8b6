"""The success path: a complaint with evidence is stored, its files land under MEDIA_ROOT with random names,
and the reporter sees and receives the reference number."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from complaints.models import Complaint, Evidence, ReportedTarget, TriageStatus
from tests.complaints.helpers import PDF_BYTES, complaint_data, image_bytes, upload

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"PKJ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def test_it_stores_the_complaint_and_its_files(client, media_root, mailoutbox, django_capture_on_commit_callbacks):
    data = complaint_data(
        evidence=[upload("chat.png", image_bytes("PNG"), "image/png"),
                  upload("transfer.jpg", image_bytes("JPEG"), "image/jpeg")],
        police_report=upload("laporan-polisi.pdf", PDF_BYTES, "application/pdf"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complaints:new"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:sent")
    complaint = Complaint.objects.get()
    assert REFERENCE.fullmatch(complaint.reference)
    assert complaint.kind == Complaint.Kind.FAKE_WEBSITE
    assert complaint.status == TriageStatus.NEW
    assert complaint.reporter_email == "pelapor@example.com"
    assert complaint.reporter_phone == "+6281234567890"
    assert complaint.amount_lost == 150000
    assert complaint.target.address == "prakerja-daftar.com"
    assert complaint.target.report_count == 1

    files = {item.kind: item for item in complaint.files.all()} | {}
    assert complaint.files.count() == 3
    assert sorted(complaint.files.values_list("content_type", flat=True)) == [
        "application/pdf", "image/jpeg", "image/png"]
    assert files[Evidence.Kind.POLICE_REPORT].content_type == "application/pdf"
    for item in complaint.files.all():
        path = media_root / item.file.name
        assert path.is_file() and path.stat().st_size == item.size
        # A random name under MEDIA_ROOT: never the reporter's file name.
        assert item.original_name not in item.file.name
        assert re.fullmatch(r"complaints/\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|pdf)", item.file.name)


def test_it_shows_the_reference_and_emails_it(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complaints:new"), complaint_data(), follow=True)

    complaint = Complaint.objects.get()
    assert response.status_code == 200
    assert complaint.reference in response.content.decode()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["pelapor@example.com"]
    assert complaint.reference in message.subject and complaint.reference in message.body
    assert reverse("complaints:status") in message.body
    complaint.refresh_from_db()
    assert complaint.receipt_sent_at is not None


def test_it_sends_the_receipt_once_when_the_task_runs_twice(client, mailoutbox, django_capture_on_commit_callbacks):
    from complaints.tasks import send_receipt

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("complaints:new"), complaint_data())
    send_receipt.run(complaint_id=Complaint.objects.get().pk, language="id")

    assert len(mailoutbox) == 1


def test_it_accepts_a_report_without_files_or_phone(client):
    response = client.post(reverse("complaints:new"), complaint_data(
        kind=Complaint.Kind.JOKI, address="@joki_prakerja_murah", reporter_phone="", loss="", amount_lost=""))

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.files.count() == 0
    assert complaint.reporter_phone == ""
    assert (complaint.target.kind, complaint.target.address) == ("account", "joki_prakerja_murah")


def test_it_links_the_account_of_a_signed_in_reporter(client, applicant):
    client.force_login(applicant.user)
    form = client.get(reverse("complaints:new"))
    assert 'value="siti@example.com"' in form.content.decode()

    client.post(reverse("complaints:new"), complaint_data(reporter_email="siti@example.com"))

    assert Complaint.objects.get().filed_by == applicant.user


def test_it_shows_the_confirmation_only_to_the_session_that_filed(client):
    response = client.get(reverse("complaints:sent"))

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:new")


def test_it_merges_reports_of_one_target_and_keeps_the_first_date(client):
    client.post(reverse("complaints:new"), complaint_data(address="https://www.Prakerja-Daftar.com/login"))
    client.post(reverse("complaints:new"), complaint_data(address="prakerja-daftar.com"))

    target = ReportedTarget.objects.get()
    assert target.report_count == 2
    assert target.first_reported_at <= target.last_reported_at
    assert set(target.complaints.values_list("address_as_reported", flat=True)) == {
        "https://www.Prakerja-Daftar.com/login", "prakerja-daftar.com"}
