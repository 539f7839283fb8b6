"""Every figure of the stored summary, against the wave of conftest.py."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from eligibility.models import ScreeningResult, ScreeningRun
from reports.models import WaveSummary
from reports.services import build_summary, funnel, get_report_state, summary_rows
from tests.reports.conftest import LIST_VERSIONS, SEED, build_wave


def _summary(wave) -> WaveSummary:
    return get_report_state(wave=wave).summary


def test_it_counts_the_outcome(wave):
    s = _summary(wave)
    assert (s.registrations, s.eligible, s.ineligible, s.selected, s.reserve) == (6, 3, 3, 2, 1)
    assert s.lottery_pool == 3


def test_it_counts_ineligible_registrations_per_reason(wave):
    s = _summary(wave)
    assert s.per_reason == {
        "pejabat_negara": 0, "dprd": 0, "asn": 1, "tni": 0, "polri": 0, "kepala_desa": 0, "perangkat_desa": 0,
        "bumn_bumd": 0, "bansos": 1, "bsu": 0, "prior_awardee": 1, "kk_limit": 1,
    }


def test_it_counts_per_province_from_the_nik(wave):
    # [code, registrations, eligible, selected]
    assert _summary(wave).per_province == [["11", 1, 1, 1], ["32", 3, 2, 1], ["35", 2, 0, 0]]


def test_it_counts_registrations_per_wib_day(wave):
    # D registered 23:30 and E 00:30 WIB: both on 2 April in UTC, on two days in WIB.
    assert _summary(wave).per_day == [["2021-04-01", 2], ["2021-04-02", 2], ["2021-04-03", 2]]


def test_it_lists_every_day_of_the_wave_even_without_registrations(db):
    wave = build_wave(number=30)
    wave.closes_at = wave.closes_at + dt.timedelta(days=2)
    wave.save(update_fields=["closes_at"])
    days = _summary(wave).per_day
    assert days[-2:] == [["2021-04-04", 0], ["2021-04-05", 0]]


def test_it_builds_the_funnel(wave):
    steps = {code: n for code, _label, n in funnel(_summary(wave))}
    assert steps["registered"] == 6
    assert steps["excluded_asn"] == 1 and steps["excluded_bansos"] == 1 and steps["excluded_prior_awardee"] == 1
    assert steps["excluded_tni"] == 0
    assert "excluded_kk_limit" not in steps
    assert steps["excluded_by_lists"] == 2  # B (two lists) and F
    assert steps["after_lists"] == 4
    assert steps["kk_limit"] == 1
    assert steps["lottery_pool"] == 3
    assert steps["selected"] == 2
    assert steps["reserve"] == 1


def test_it_leaves_selected_and_reserve_empty_before_the_selection(unselected_wave):
    s = _summary(unselected_wave)
    assert s.selected_at is None and not s.is_selected
    steps = {code: n for code, _label, n in funnel(s)}
    assert steps["selected"] == "" and steps["reserve"] == ""
    assert s.per_province == [["11", 1, 1, 0], ["32", 3, 2, 0], ["35", 2, 0, 0]]


def test_it_copies_the_list_versions_of_the_run(wave):
    assert _summary(wave).list_versions == LIST_VERSIONS


def test_it_writes_the_summary_csv_rows(wave):
    from django.utils import translation

    with translation.override("en"):
        rows = summary_rows(_summary(wave), wave)
    assert ("totals", "registrations", "Registrations", 6) in rows
    assert ("totals", "selected", "Selected", 2) in rows
    assert ("reason", "kk_limit", rows[[r[1] for r in rows].index("kk_limit")][2], 1) in rows
    assert ("province", "32", "Jawa Barat", 3) in rows
    assert ("day", "2021-04-02", "", 2) in rows
    assert ("seed", "commitment", "SHA-256", wave.seed_commitment) in rows
    assert [r for r in rows if r[:2] == ("seed", "seed")][0][3] == wave.seed
    assert [r[1] for r in rows if r[0] == "list_version"] == ["asn", "prior_awardee"]


def test_it_never_shows_the_seed_before_the_selection(unselected_wave):
    rows = summary_rows(_summary(unselected_wave), unselected_wave)
    assert not [r for r in rows if r[:2] == ("seed", "seed")]
    assert SEED not in str(rows)


def test_it_stores_the_summary_once_per_run_and_selection(wave):
    first = _summary(wave)
    again = _summary(wave)
    assert again.pk == first.pk
    assert WaveSummary.objects.count() == 1


def test_it_recomputes_after_a_newer_run(wave):
    old = _summary(wave)
    ScreeningResult.objects.filter(registration__applicant__nik="3201010101900003").update(status="eligible", reasons="")
    newer = ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.DONE, finished_at=timezone.now(),
                                        list_versions=[])
    s = _summary(wave)
    assert s.pk != old.pk and s.run == newer
    assert (s.eligible, s.ineligible, s.per_reason["kk_limit"]) == (4, 2, 0)


def test_it_recomputes_after_the_selection(unselected_wave):
    before = _summary(unselected_wave)
    ScreeningResult.objects.filter(wave=unselected_wave, status="eligible").update(selected=False)
    ScreeningResult.objects.filter(wave=unselected_wave, registration__applicant__nik="3202014112900001").update(
        selected=True, rank=1)
    unselected_wave.seed_revealed_at = timezone.now()
    unselected_wave.save(update_fields=["seed_revealed_at"])
    after = _summary(unselected_wave)
    assert after.pk != before.pk
    assert (after.selected, after.reserve) == (1, 2)


def test_it_keeps_the_finished_runs_summary_while_a_newer_run_replaces_results(wave):
    done = _summary(wave)
    ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.RUNNING)
    ScreeningResult.objects.filter(wave=wave).delete()  # the new run is rewriting the rows
    state = get_report_state(wave=wave)
    assert state.newer_run_running
    assert state.summary.pk == done.pk and state.summary.registrations == 6


def test_it_has_no_summary_before_a_run_finishes(db):
    wave = build_wave(number=31)
    ScreeningRun.objects.filter(wave=wave).update(status=ScreeningRun.Status.RUNNING)
    state = get_report_state(wave=wave)
    assert state.run is None and state.summary is None


def test_a_second_build_returns_the_stored_row(wave):
    first = _summary(wave)
    assert build_summary(wave=wave, run=first.run).pk == first.pk


def test_it_computes_nothing_from_rows_a_newer_run_is_rewriting(wave):
    ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.RUNNING)
    state = get_report_state(wave=wave)
    assert state.newer_run_running and state.summary is None
    assert not WaveSummary.objects.exists()


def test_a_big_wave_is_summarised_by_a_worker(wave, settings, monkeypatch):
    from django.core.cache import cache

    from reports.tasks import build_wave_summary

    cache.clear()
    settings.REPORT_SYNC_MAX_REGISTRATIONS = 5  # the wave has 6
    queued = []
    monkeypatch.setattr(build_wave_summary, "delay_on_commit", queued.append)
    for _ in range(3):  # three staff open the page: one task
        state = get_report_state(wave=wave)
        assert state.computing and state.summary is None
    assert queued == [wave.pk]
    build_wave_summary(wave.pk)  # the task body, as a worker runs it
    state = get_report_state(wave=wave)
    assert not state.computing and state.summary.registrations == 6


def test_it_sizes_the_wave_from_the_runs_counts_when_present(wave, settings):
    settings.REPORT_SYNC_MAX_REGISTRATIONS = 5
    ScreeningRun.objects.filter(wave=wave).update(outcome_counts={"registrations": 4})
    # The run says 4 (<= 5), so the summary is built in the request without counting the rows.
    assert get_report_state(wave=wave).summary.registrations == 6


def test_it_counts_registrations_the_screening_missed(wave):
    ScreeningResult.objects.filter(wave=wave, status="ineligible", reasons="kk_limit").delete()
    s = _summary(wave)
    assert (s.registrations, s.eligible + s.ineligible, s.unscreened) == (6, 5, 1)


def test_it_builds_in_a_transaction_of_its_own(transactional_db):
    # Outside any caller's transaction (as in the worker), PostgreSQL reads one REPEATABLE READ snapshot.
    wave = build_wave(number=60)
    run = ScreeningRun.objects.get(wave=wave)
    summary = build_summary(wave=wave, run=run)
    assert (summary.registrations, summary.selected) == (6, 2)
    assert build_summary(wave=wave, run=run).pk == summary.pk
