"""The Celery task's body, called directly: loads once, safe to run twice, reports a vanished upload."""
from __future__ import annotations

import io

import pytest

from eligibility.lists.tasks import load_exclusion_list_task
from eligibility.lists.services import start_exclusion_load
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import NIK_A, NIK_B

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path / "uploads"


def _start(content: str, staff, django_capture_on_commit_callbacks) -> ExclusionList:
    with django_capture_on_commit_callbacks(execute=False):
        return start_exclusion_load(category=ListCategory.KEPALA_DESA, upload=io.BytesIO(content.encode()),
                                    file_name="kades.csv", by=staff)


def test_it_loads_the_uploaded_file_once(staff, django_capture_on_commit_callbacks):
    version = _start(f"nik\n{NIK_A}\n{NIK_B}\n", staff, django_capture_on_commit_callbacks)
    load_exclusion_list_task(version.pk)
    version.refresh_from_db()
    assert (version.status, version.row_count, version.progress) == ("active", 2, 100)
    activated_at = version.activated_at
    load_exclusion_list_task(version.pk)  # a redelivered message
    version.refresh_from_db()
    assert (version.status, version.activated_at) == ("active", activated_at)
    assert ExclusionList.objects.count() == 1


def test_it_marks_the_version_failed_when_the_upload_is_gone(staff, django_capture_on_commit_callbacks):
    from pathlib import Path

    version = _start(f"nik\n{NIK_A}\n", staff, django_capture_on_commit_callbacks)
    Path(version.source_path).unlink()
    load_exclusion_list_task(version.pk)
    version.refresh_from_db()
    assert version.status == "failed" and "upload it again" in version.error
    assert not ExclusionList.objects.active().exists()


def test_it_ignores_an_unknown_version():
    load_exclusion_list_task(123456)
    assert not ExclusionList.objects.exists()
