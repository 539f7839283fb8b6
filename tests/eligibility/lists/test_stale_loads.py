"""The sweep re-enqueues, then fails, a list version stuck in `loading` (a lost message, a dead worker)."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from eligibility.screening import tasks
from eligibility.lists.tasks import load_exclusion_list_task
from eligibility.lists.services import MAX_LOAD_REQUEUES, requeue_stale_loads, stale_load_after, start_exclusion_load
from eligibility.lists.tables import LOCK_NAMESPACE
from eligibility.models.lists import ExclusionList, ListCategory
from tests.eligibility.lists.conftest import NIK_A, NIK_B

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path / "uploads"


def _upload(staff, django_capture_on_commit_callbacks) -> ExclusionList:
    # execute=False: the load's message is lost.
    with django_capture_on_commit_callbacks(execute=False):
        return start_exclusion_load(category=ListCategory.KEPALA_DESA, upload=io.BytesIO(f"nik\n{NIK_A}\n{NIK_B}\n".encode()),
                                    file_name="kades.csv", by=staff)


def _later(times: int = 1):
    return time_machine.travel(timezone.now() + times * (stale_load_after() + dt.timedelta(seconds=1)))


def test_it_reenqueues_a_load_whose_message_was_lost_once_and_the_load_finishes(staff, django_capture_on_commit_callbacks):
    version = _upload(staff, django_capture_on_commit_callbacks)
    with mock.patch.object(load_exclusion_list_task, "delay") as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stale_loads() == ([], [])  # not stale yet
        with _later(), django_capture_on_commit_callbacks(execute=True):
            assert tasks.requeue_stale_partitions() == []  # the beat task sweeps loads too
            assert requeue_stale_loads() == ([], [])  # just re-enqueued: not again at once
    enqueue.assert_called_once_with(version.pk)
    version.refresh_from_db()
    assert (version.status, version.requeues) == ("loading", 1)

    load_exclusion_list_task(version.pk)
    version.refresh_from_db()
    assert (version.status, version.row_count) == ("active", 2)
    with _later(2):
        assert requeue_stale_loads() == ([], [])


def test_it_fails_a_load_that_never_finishes_and_removes_its_file(staff, django_capture_on_commit_callbacks):
    version = _upload(staff, django_capture_on_commit_callbacks)
    path = Path(version.source_path)
    with mock.patch.object(load_exclusion_list_task, "delay") as enqueue:
        for attempt in range(1, MAX_LOAD_REQUEUES + 1):
            with _later(attempt), django_capture_on_commit_callbacks(execute=True):
                assert requeue_stale_loads() == ([version.pk], [])
        with _later(MAX_LOAD_REQUEUES + 1), django_capture_on_commit_callbacks(execute=True):
            assert requeue_stale_loads() == ([], [version.pk])
    assert enqueue.call_count == MAX_LOAD_REQUEUES
    version.refresh_from_db()
    assert version.status == "failed" and "upload the file again" in version.error
    assert not path.exists() and version.source_path == ""
    load_exclusion_list_task(version.pk)  # a late delivery changes nothing
    assert ExclusionList.objects.get(pk=version.pk).status == "failed"


def test_it_fails_an_interrupted_command_line_load(db):
    version = ExclusionList.objects.create(category=ListCategory.ASN, file_name="asn.csv")  # no file kept
    with mock.patch.object(load_exclusion_list_task, "delay") as enqueue, _later():
        assert requeue_stale_loads() == ([], [version.pk])
    enqueue.assert_not_called()
    version.refresh_from_db()
    assert version.status == "failed" and "load the file again" in version.error


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_it_leaves_alone_a_load_that_a_live_worker_holds(staff, django_capture_on_commit_callbacks):
    version = _upload(staff, django_capture_on_commit_callbacks)
    # Another session holds the version's lock, as a worker's load transaction does.
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, version.pk])
        with mock.patch.object(load_exclusion_list_task, "delay") as enqueue, _later():
            assert requeue_stale_loads() == ([], [])
        enqueue.assert_not_called()
    finally:
        other.close()
    with mock.patch.object(load_exclusion_list_task, "delay"), _later(), \
            django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_loads() == ([version.pk], [])
