"""Staff load a list by uploading it in the admin; the load runs as a Celery task with visible progress."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from eligibility.lists.tasks import load_exclusion_list_task
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import NIK_A, NIK_B, on_table

pytestmark = pytest.mark.django_db

UPLOAD = reverse("admin:eligibility_exclusionlist_upload")


def _file(content: str | bytes, name: str = "asn-2021.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content, "text/csv")


def test_it_starts_a_load_that_the_task_finishes(staff_client, staff, settings, tmp_path, no_confirmation,
                                                  django_capture_on_commit_callbacks):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path / "uploads"
    confirmation = staff_client.post(UPLOAD, {"category": ListCategory.ASN,
                                              "file": _file(f"nik\n{NIK_A}\n{NIK_B}\n12\n")})
    assert not ExclusionList.objects.exists()  # nothing before the confirmation (tests/eligibility/test_confirmations.py)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(UPLOAD, {"pending": confirmation.context["pending"]})
    version = ExclusionList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:eligibility_exclusionlist_change", args=[version.pk])
    assert (version.status, version.category, version.file_name, version.loaded_by) == (
        "loading", "asn", "asn-2021.csv", staff)
    assert len(callbacks) == 1  # the task is enqueued once the upload's transaction commits
    stored = Path(version.source_path)
    assert stored.parent == tmp_path / "uploads" and stored.exists()

    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[version.pk])).content.decode()
    assert "Loading: 0% done" in page and 'http-equiv="refresh"' in page

    load_exclusion_list_task(version.pk)
    version.refresh_from_db()
    assert (version.status, version.row_count, version.bad_row_count) == ("active", 2, 1)
    assert on_table(version.table_name, NIK_A)
    assert not stored.exists() and version.source_path == ""

    listing = staff_client.get(reverse("admin:eligibility_exclusionlist_changelist")).content.decode()
    assert "asn-2021.csv" in listing and "100%" in listing
    bad = staff_client.get(reverse("admin:eligibility_exclusionlist_bad_rows", args=[version.pk]))
    lines = b"".join(bad.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines] == [["line", "reason"], ["4", "format"]]


def test_it_shows_progress_and_failures_on_the_list_and_change_pages(staff_client):
    loading = ExclusionList.objects.create(category=ListCategory.TNI, file_name="tni.csv", progress=42)
    failed = ExclusionList.objects.create(category=ListCategory.DPRD, file_name="dprd.csv",
                                          status=ExclusionList.Status.FAILED, error="OperationalError: disk full")
    listing = staff_client.get(reverse("admin:eligibility_exclusionlist_changelist")).content.decode()
    assert "42%" in listing and "failed" in listing
    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[loading.pk])).content.decode()
    assert "Loading: 42% done" in page
    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[failed.pk])).content.decode()
    assert "OperationalError: disk full" in page
    # Read-only: no form to edit the status, no delete.
    assert 'name="status"' not in page
    assert staff_client.post(reverse("admin:eligibility_exclusionlist_change", args=[failed.pk]),
                             {"status": "active"}).status_code == 403
    assert ExclusionList.objects.get(pk=failed.pk).status == "failed"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_file("nama\nSiti\n"), "nik"),
        (_file(b"nik\n3201014112900001\n\xe9\n"), "not UTF-8"),
        (_file(b"PK\x03\x04" + b"\x00" * 60, name="list.csv"), "not a CSV file"),
        (_file(""), "submitted file is empty"),
    ],
    ids=["no-nik-column", "latin-1", "xlsx-named-csv", "empty"],
)
def test_it_refuses_a_bad_file_on_the_form(staff_client, django_capture_on_commit_callbacks, upload, message):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(UPLOAD, {"category": ListCategory.ASN, "file": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ExclusionList.objects.exists() and not callbacks


def test_it_refuses_a_file_over_the_size_limit(staff_client, settings):
    settings.EXCLUSION_LIST_MAX_UPLOAD_MB = 0
    response = staff_client.post(UPLOAD, {"category": ListCategory.ASN, "file": _file(f"nik\n{NIK_A}\n")})
    assert "import_exclusions" in response.content.decode()
    assert not ExclusionList.objects.exists()


def test_it_refuses_an_applicant_and_staff_without_permission(client, applicant, viewer):
    client.force_login(applicant.user)
    response = client.post(UPLOAD, {"category": ListCategory.ASN, "file": _file(f"nik\n{NIK_A}\n")})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(viewer)
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"category": ListCategory.ASN, "file": _file(f"nik\n{NIK_A}\n")}).status_code == 403
    assert not ExclusionList.objects.exists()


def test_the_upload_form_renders(staff_client):
    page = staff_client.get(UPLOAD).content.decode()
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
