"""After a re-screen fails having replaced part of the results, no report passes the mixed rows off as the
finished run's: the page says so, every download and the command refuse, nothing is computed from them.

The state is built as eligibility.screening.services leaves it: the retry (R1, replaces_results) reached the KK
phase, its KK partition 0 committed (its families' results deleted and rewritten with run_id = R1), then
it failed. The finished run R0 keeps the other partition's rows.
"""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from eligibility.models import ScreeningResult, ScreeningRun
from eligibility.models.screening import Phase, ScreeningPartition
from reports import services
from reports.models import AuditEntry, WaveSummary
from tests.reports.conftest import build_wave

# Registrations whose results R1 rewrote before failing (C loses kk_limit: her family is in partition 0).
REWRITTEN = ["3202014112900001", "3201010101900003"]
FAILED_MESSAGE = "The latest screening of wave 21 failed after replacing part of the results"


def _retry(wave, *, status: str = ScreeningRun.Status.FAILED, reached_kk: bool = True,
           partitions: bool = True) -> ScreeningRun:
    """A second run of the wave: with `reached_kk`, its KK partition 0 committed results (run_id = R1)."""
    done = ScreeningRun.objects.get(wave=wave, status=ScreeningRun.Status.DONE)
    ScreeningResult.objects.filter(wave=wave).update(run=done)
    run = ScreeningRun.objects.create(
        wave=wave, status=status, replaces_results=True, partition_count=2, registration_count=6,
        phase=Phase.KK if reached_kk else Phase.LISTS,
        finished_at=None if status == ScreeningRun.Status.RUNNING else timezone.now(),
        error="" if status == ScreeningRun.Status.RUNNING else "OperationalError: server closed the connection",
    )
    if partitions:
        lists_status = ScreeningPartition.Status.DONE if reached_kk else ScreeningPartition.Status.RUNNING
        ScreeningPartition.objects.bulk_create(
            ScreeningPartition(run=run, phase=Phase.LISTS, number=n, status=lists_status) for n in range(2))
    if reached_kk:
        if partitions:
            ScreeningPartition.objects.bulk_create([
                ScreeningPartition(run=run, phase=Phase.KK, number=0, status=ScreeningPartition.Status.DONE),
                ScreeningPartition(run=run, phase=Phase.KK, number=1, status=ScreeningPartition.Status.RUNNING),
            ])
        ScreeningResult.objects.filter(registration__applicant__nik__in=REWRITTEN, wave=wave).update(
            run=run, status="eligible", reasons="", rank=None, selected=None)
    return run


def _get(client, user, name, wave, **params):
    client.force_login(user)
    return client.get(reverse(name, kwargs={"number": wave.number}), params, HTTP_ACCEPT_LANGUAGE="en")


def test_it_reports_the_failed_retry_as_replacing_the_results(wave):
    done = ScreeningRun.objects.get(wave=wave)
    retry = _retry(wave)
    assert ScreeningResult.objects.filter(run=retry).count() == 2  # the table mixes two runs
    assert ScreeningResult.objects.filter(run=done).count() == 4
    run, replaced_by = services.latest_done_run(wave=wave)
    assert run == done and replaced_by == ScreeningRun.Status.FAILED


def test_it_computes_no_summary_from_the_mixed_rows(wave):
    _retry(wave)
    state = services.get_report_state(wave=wave, build=True)
    assert state.newer_run_failed and not state.newer_run_running
    assert state.summary is None and not state.computing
    assert not WaveSummary.objects.exists()


def test_the_worker_task_stores_no_summary_either(wave):
    from reports.tasks import build_wave_summary

    _retry(wave)
    build_wave_summary(wave.pk)
    assert not WaveSummary.objects.exists()


def test_the_page_shows_the_failure_instead_of_the_stored_figures(client, reporter, wave):
    page = _get(client, reporter, "reports:wave", wave).content.decode()
    assert 'id="fig-registrations"' in page  # R0's summary is stored
    _retry(wave)
    response = _get(client, reporter, "reports:wave", wave)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="newer-run-failed"' in page
    assert reverse("admin:registration_wave_change", args=[wave.pk]) in page
    assert 'id="fig-registrations"' not in page and 'id="funnel"' not in page
    assert "hasil.csv" not in page  # no download offered
    assert WaveSummary.objects.count() == 1  # R0's, untouched; none computed from the mixed rows
    entry = AuditEntry.objects.order_by("-pk").first()
    assert (entry.action, entry.kind, entry.row_count, entry.completed) == ("view", "page", 0, True)


def test_the_page_keeps_a_fixed_number_of_queries(client, reporter, wave, django_assert_num_queries):
    _retry(wave)
    _get(client, reporter, "reports:wave", wave)
    url = reverse("reports:wave", kwargs={"number": wave.number})
    # session, user, second-factor device, permissions (user's, groups'), wave, run, audit; 6 for the after-the-draw
    # section (the recipients and reserve now in one read of their kept counts)
    with django_assert_num_queries(14):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["reports:results_csv", "reports:summary_csv", "reports:clusters_csv"])
def test_every_download_is_refused(client, reporter, wave, name):
    _get(client, reporter, "reports:wave", wave)  # R0's summary stored before the retry
    _retry(wave)
    response = _get(client, reporter, name, wave)
    assert response.status_code == 400
    assert FAILED_MESSAGE in response.content.decode()
    assert "admin page" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD).exists()


def test_a_filtered_download_is_refused_too(client, reporter, wave):
    _retry(wave)
    response = _get(client, reporter, "reports:results_csv", wave, status="eligible")
    assert response.status_code == 400 and FAILED_MESSAGE in response.content.decode()


@pytest.mark.parametrize("kind", [[], ["--summary"], ["--clusters"]])
def test_the_command_refuses_and_writes_nothing(wave, tmp_path, kind):
    _retry(wave)
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match=FAILED_MESSAGE):
        call_command("screening_report", "21", *kind, "--output", str(out))
    assert not out.exists()
    assert not AuditEntry.objects.exists()
    assert not WaveSummary.objects.exists()


def test_a_run_without_partition_rows_counts_as_having_written(wave):
    # Nothing tells what such a run did: refuse rather than serve a table that may mix two runs.
    _retry(wave, partitions=False)
    with pytest.raises(services.ReportError, match=FAILED_MESSAGE):
        services.exportable_summary(wave=wave, kind=AuditEntry.Kind.RESULTS)


def test_a_retry_that_failed_in_the_lists_phase_leaves_the_report(client, reporter, wave):
    """No KK partition committed: the results are all R0's, so the report and its files stay."""
    _retry(wave, reached_kk=False)
    assert services.latest_done_run(wave=wave)[1] == ""
    page = _get(client, reporter, "reports:wave", wave).content.decode()
    assert 'id="newer-run-failed"' not in page and 'id="fig-registrations">6<' in page
    response = _get(client, reporter, "reports:results_csv", wave)
    assert response.status_code == 200
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert len(rows) == 7
    assert AuditEntry.objects.get(action="download").row_count == 6


def test_an_earlier_cancelled_run_that_wrote_counts_too(wave):
    """R1 was cancelled by a retry after writing a partition; the retry R2 failed in the lists phase."""
    cancelled = _retry(wave, status=ScreeningRun.Status.CANCELLED)
    retry = ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.FAILED, replaces_results=True,
                                        partition_count=1, finished_at=timezone.now())
    ScreeningPartition.objects.create(run=retry, phase=Phase.LISTS, number=0)
    assert ScreeningResult.objects.filter(run=cancelled).exists()
    assert services.latest_done_run(wave=wave)[1] == ScreeningRun.Status.FAILED


def test_a_running_retry_refuses_every_download(client, reporter, wave):
    _get(client, reporter, "reports:wave", wave)  # R0's summary stored
    _retry(wave, status=ScreeningRun.Status.RUNNING)
    page = _get(client, reporter, "reports:wave", wave).content.decode()
    assert 'id="fig-registrations">6<' in page  # the previous figures, with the warning
    assert "hasil.csv" not in page
    for name in ("reports:results_csv", "reports:summary_csv", "reports:clusters_csv"):
        response = _get(client, reporter, name, wave)
        assert response.status_code == 400 and "A new screening of wave 21 is running" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD).exists()


def test_the_report_returns_when_the_retry_finishes(client, reporter, wave):
    _retry(wave)
    assert 'id="newer-run-failed"' in _get(client, reporter, "reports:wave", wave).content.decode()
    final = ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.DONE, finished_at=timezone.now(),
                                        replaces_results=True)
    ScreeningResult.objects.filter(wave=wave).update(run=final)
    page = _get(client, reporter, "reports:wave", wave).content.decode()
    assert 'id="newer-run-failed"' not in page
    assert 'id="fig-eligible">4<' in page  # computed from the retry's rows (C became eligible)
    assert WaveSummary.objects.get().run == final
    assert _get(client, reporter, "reports:results_csv", wave).status_code == 200


def test_another_wave_is_not_affected(client, reporter, wave):
    _retry(wave)
    other = build_wave(number=23)
    assert _get(client, reporter, "reports:results_csv", other).status_code == 200
