"""The same rendered complaint form posted twice (a double click, a resend after a timeout) files one complaint:
the second post shows the first reference, and the site's count and the receipts stay at one."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ReportedTarget
from tests.complaints.helpers import complaint_data, form_token, image_bytes, upload


@pytest.mark.django_db
def test_the_second_post_of_one_form_shows_the_first_reference(client, mailoutbox, media_root,
                                                               django_capture_on_commit_callbacks):
    data = complaint_data()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("complaints:new"), data, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(reverse("complaints:new"),
                             {**data, "evidence": [upload("chat.png", image_bytes("PNG"), "image/png")]}, follow=True)

    complaint = Complaint.objects.get()
    assert complaint.reference in first.content.decode()
    assert complaint.reference in second.content.decode()
    assert ReportedTarget.objects.get().report_count == 1
    assert len(mailoutbox) == 1
    assert not complaint.files.exists()
    assert not any(media_root.rglob("*.png"))  # the second post's file is not kept


@pytest.mark.django_db
def test_two_renderings_file_two_complaints(client, django_capture_on_commit_callbacks):
    for _ in range(2):
        assert client.post(reverse("complaints:new"), complaint_data(rendered_at=form_token())).status_code == 302
    assert Complaint.objects.count() == 2
    assert ReportedTarget.objects.get().report_count == 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_of_one_form_file_one_complaint():
    posts, token = 4, form_token()
    barrier = threading.Barrier(posts)
    references: list[str] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            barrier.wait()
            complaint = services.file_complaint(
                kind=Complaint.Kind.FAKE_WEBSITE, address="https://www.prakerja-daftar.com/", description="Minta OTP.",
                reporter_email="pelapor@example.com", form_token=token)
            references.append(complaint.reference)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    complaint = Complaint.objects.get()
    assert references == [complaint.reference] * posts
    assert ReportedTarget.objects.get().report_count == 1
