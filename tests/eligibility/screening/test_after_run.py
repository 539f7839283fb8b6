"""After a run completes: replaced list tables are released, the report summary is enqueued."""
from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection

from eligibility import waves
from eligibility.screening import services, tasks
from eligibility.lists.services import load_exclusion_list, release_unused_list_tables
from eligibility.models.lists import ExclusionList
from reports.tasks import build_wave_summary

from .conftest import close, drain, new_person, register, result_of, screen


def _load(category: str, niks: list[str], tmp_path) -> ExclusionList:
    path = tmp_path / f"{category}-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text("nik\n" + "".join(f"{nik}\n" for nik in niks))
    return load_exclusion_list(category=category, path_or_file=path, file_name=path.name, by=None)


def test_it_releases_a_list_table_replaced_during_the_run_once_the_run_completes(
        wave, tmp_path, django_capture_on_commit_callbacks):
    person = new_person()
    registration = register(person, wave)
    old = _load("asn", [person.nik], tmp_path)
    close(wave)
    run = services.start_screening(wave=wave, by=None)
    new = _load("asn", [new_person().nik], tmp_path)  # replaces the list while the run uses the old version
    assert release_unused_list_tables() == []

    with mock.patch.object(tasks.screen_partition, "delay"), mock.patch.object(build_wave_summary, "delay"):
        with django_capture_on_commit_callbacks(execute=True):
            drain(run)

    old.refresh_from_db()
    assert old.table_name == "" and old.released_at is not None
    assert f"exclusion_list_{old.pk}" not in connection.introspection.table_names()
    assert new.table_name in connection.introspection.table_names()
    assert result_of(registration).reasons == "asn"  # the version the run started with


def test_it_enqueues_the_report_summary_when_the_run_completes(wave, django_capture_on_commit_callbacks):
    register(new_person(), wave)
    close(wave)
    run = services.start_screening(wave=wave, by=None)
    with mock.patch.object(tasks.screen_partition, "delay"), \
            mock.patch.object(build_wave_summary, "delay") as summary:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            drain(run)
    summary.assert_called_once_with(wave.pk)
    funcs = [getattr(callback, "func", callback) for callback in callbacks]
    # After the results' statistics (the summary plans on them), before the housekeeping nobody waits for.
    assert funcs.index(services._analyze_results) < funcs.index(summary) < len(funcs) - 1


def test_it_enqueues_the_report_summary_after_the_selection_once(wave, django_capture_on_commit_callbacks):
    register(new_person(), wave)
    screen(wave)
    with mock.patch.object(build_wave_summary, "delay") as summary:
        with django_capture_on_commit_callbacks(execute=True):
            assert waves.select_awardees(wave=wave, by=None) == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert waves.select_awardees(wave=wave, by=None) == 1  # selecting twice changes nothing
    summary.assert_called_once_with(wave.pk)


def test_a_failing_clean_up_does_not_fail_the_completed_run(wave, django_capture_on_commit_callbacks):
    register(new_person(), wave)
    close(wave)
    run = services.start_screening(wave=wave, by=None)
    with mock.patch.object(tasks.screen_partition, "delay"), mock.patch.object(build_wave_summary, "delay"), \
            mock.patch("eligibility.lists.tables.release_unused_list_tables", side_effect=RuntimeError("boom")):
        with django_capture_on_commit_callbacks(execute=True):
            run = drain(run)
    assert run.status == "done"
