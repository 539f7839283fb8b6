"""PDP retention: the files of a complaint closed longer ago than COMPLAINT_EVIDENCE_RETENTION_DAYS are deleted
by the nightly task, rows and disk alike; open, recently closed and reopened complaints keep theirs."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from complaints import services, tasks
from complaints.models import Complaint, Evidence, TriageStatus
from complaints.uploads import CheckedUpload
from prakerja.celery import app
from tests.complaints.helpers import PDF_BYTES, image_bytes, upload

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 6, 1, 3, 0, tzinfo=dt.UTC)


def _complaint_with_files(*, address: str, filed_days_ago: int) -> Complaint:
    with time_machine.travel(NOW - dt.timedelta(days=filed_days_ago), tick=False):
        return services.file_complaint(
            kind=Complaint.Kind.FAKE_WEBSITE, address=address, description="Situs ini meminta OTP saya.",
            reporter_email="pelapor@example.com",
            evidence=[CheckedUpload(upload("layar.png", image_bytes()), "image/png")],
            police_report=CheckedUpload(upload("polisi.pdf", PDF_BYTES), "application/pdf"),
        )


def _move(complaint: Complaint, to: str, *, days_ago: int, by) -> None:
    with time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False):
        services.change_status(complaint=complaint, to=to, by=by)
        complaint.refresh_from_db()


def _paths(complaint: Complaint) -> list[Path]:
    return [Path(settings.MEDIA_ROOT) / name for name in complaint.files.values_list("file", flat=True)]


@pytest.fixture
def complaints(staff):
    long_closed = _complaint_with_files(address="prakerja-lama.com", filed_days_ago=500)
    _move(long_closed, TriageStatus.CLOSED, days_ago=400, by=staff)
    recently_closed = _complaint_with_files(address="prakerja-baru.com", filed_days_ago=500)
    _move(recently_closed, TriageStatus.CLOSED, days_ago=10, by=staff)
    still_open = _complaint_with_files(address="prakerja-terbuka.com", filed_days_ago=500)
    _move(still_open, TriageStatus.FORWARDED_BARESKRIM, days_ago=400, by=staff)
    reopened = _complaint_with_files(address="prakerja-dibuka.com", filed_days_ago=500)
    _move(reopened, TriageStatus.CLOSED, days_ago=400, by=staff)
    _move(reopened, TriageStatus.IN_REVIEW, days_ago=1, by=staff)
    return long_closed, recently_closed, still_open, reopened


def test_it_deletes_only_the_files_of_complaints_closed_beyond_the_retention(
        complaints, django_capture_on_commit_callbacks):
    long_closed, *kept = complaints
    removed_paths, kept_paths = _paths(long_closed), [path for c in kept for path in _paths(c)]
    assert len(removed_paths) == 2 and all(path.is_file() for path in removed_paths + kept_paths)

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remove_expired_evidence() == 2

    long_closed.refresh_from_db()
    assert not long_closed.files.exists() and long_closed.evidence_removed_at == NOW
    assert not any(path.exists() for path in removed_paths)
    # The record itself stays: its status, reference and address count are part of the programme's figures.
    assert long_closed.status == TriageStatus.CLOSED and long_closed.target.report_count == 1
    for complaint in kept:
        complaint.refresh_from_db()
        assert complaint.files.count() == 2 and complaint.evidence_removed_at is None
    assert all(path.is_file() for path in kept_paths)

    # Nothing left to do: a second night removes nothing.
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remove_expired_evidence() == 0


def test_the_retention_period_is_a_setting(complaints, settings, django_capture_on_commit_callbacks):
    settings.COMPLAINT_EVIDENCE_RETENTION_DAYS = 7
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remove_expired_evidence() == 4  # the long-closed and the ten-days-closed complaints
    assert set(Evidence.objects.values_list("complaint__target__address", flat=True)) == {
        "prakerja-terbuka.com", "prakerja-dibuka.com"}


def test_files_stay_on_disk_when_the_deletion_is_rolled_back(complaints, django_capture_on_commit_callbacks):
    long_closed = complaints[0]
    paths = _paths(long_closed)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.remove_expired_evidence()
            raise RuntimeError("the database went away before the commit")
    assert long_closed.files.count() == 2 and all(path.is_file() for path in paths)


def test_it_works_in_batches(complaints, django_capture_on_commit_callbacks, settings):
    settings.COMPLAINT_EVIDENCE_RETENTION_DAYS = 7
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert services.remove_expired_evidence(batch=1) == 2
        assert services.remove_expired_evidence(batch=1) == 2
        assert services.remove_expired_evidence(batch=1) == 0


def test_the_admin_page_says_when_and_why_the_files_went(client, staff, complaints, django_capture_on_commit_callbacks):
    long_closed = complaints[0]
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.remove_expired_evidence()
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("admin:complaints_complaint_change", args=[long_closed.pk])).content.decode()
    with translation.override("en"):
        when = date_format(timezone.localtime(NOW), "DATETIME_FORMAT")
    assert f"Removed on {when}: the retention period after closing had passed." in page


def test_the_nightly_beat_entry_names_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["remove-expired-evidence"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}


def test_a_file_that_cannot_be_deleted_does_not_keep_the_others(complaints, django_capture_on_commit_callbacks,
                                                                 monkeypatch, caplog):
    long_closed = complaints[0]
    stuck, other = _paths(long_closed)
    storage = Evidence._meta.get_field("file").storage
    real_delete = storage.delete

    def delete(name):
        if Path(settings.MEDIA_ROOT, name) == stuck:
            raise PermissionError("read-only volume")
        real_delete(name)

    monkeypatch.setattr(storage, "delete", delete)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remove_expired_evidence() == 2
    assert stuck.exists() and not other.exists()
    assert any(stuck.name in record.getMessage() for record in caplog.records if record.levelname == "ERROR")
