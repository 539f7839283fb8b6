"""The report page of a wave: figures, charts drawn on the server, seed, a fixed number of queries."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from eligibility.models import ScreeningResult, ScreeningRun
from registration.models import Registration
from tests.reports.conftest import PEOPLE, SEED, build_wave


def _page(client, user, wave, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("reports:wave", kwargs={"number": wave.number}), params)
    assert response.status_code == 200
    return response.content.decode()


def _figure(page: str, name: str) -> str:
    return re.search(rf'id="fig-{name}">([^<]*)<', page).group(1)


def test_it_shows_the_outcome(client, reporter, wave):
    page = _page(client, reporter, wave)
    assert [_figure(page, n) for n in ("registrations", "eligible", "ineligible", "selected")] == ["6", "3", "3", "2"]


def test_it_draws_the_charts_on_the_server(client, reporter, wave):
    page = _page(client, reporter, wave)
    assert "<svg" in page and page.count("<rect ") - page.count("<rect class=\"bar\"") == 3  # a column per day
    assert "<script" not in page.split('id="content"')[1]  # readable without JavaScript
    assert '<rect class="bar" width="100.0"' in page  # the largest province (Jawa Barat)
    assert "Jawa Barat" in page and "Aceh" in page
    for code in ("asn", "bansos", "kk_limit", "prior_awardee"):
        assert f"<code>{code}</code>" in page


def test_it_shows_the_list_versions_and_the_revealed_seed(client, reporter, wave):
    page = _page(client, reporter, wave)
    assert "asn-bkn-2021-03.csv" in page and "penerima-2020.csv" in page
    assert wave.seed_commitment in page and wave.seed in page


def test_it_keeps_the_seed_secret_before_the_selection(client, reporter, unselected_wave):
    page = _page(client, reporter, unselected_wave)
    assert unselected_wave.seed_commitment in page and SEED not in page
    assert _figure(page, "selected") == "–"


def test_it_says_when_there_is_no_finished_screening(client, reporter, wave):
    ScreeningRun.objects.filter(wave=wave).update(status=ScreeningRun.Status.RUNNING)
    page = _page(client, reporter, wave)
    assert 'id="fig-registrations"' not in page
    assert "/laporan/gelombang/21/hasil.csv" not in page


def test_it_warns_while_a_newer_run_is_running(client, reporter, wave):
    _page(client, reporter, wave)
    ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.RUNNING)
    page = _page(client, reporter, wave)
    assert 'class="report-note warn"' in page and _figure(page, "registrations") == "6"
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}))
    assert response.status_code == 400


def test_it_offers_downloads_only_to_those_who_may_download(client, reporter, page_reader, wave):
    assert "hasil.csv" in _page(client, reporter, wave)
    assert "hasil.csv" not in _page(client, page_reader, wave)
    assert 'name="full"' not in _page(client, reporter, wave)


def test_it_offers_whole_numbers_to_the_permission_holder(client, full_reporter, wave):
    assert 'name="full"' in _page(client, full_reporter, wave)


def test_the_index_links_every_wave_report(client, reporter, wave, unselected_wave):
    client.force_login(reporter)
    page = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:wave", kwargs={"number": 21}) in page
    assert reverse("reports:wave", kwargs={"number": 22}) in page


def _grow(wave, extra: int) -> None:
    """Add registrations (and results) to a wave: the page's query count must not change."""
    from prakerja.lib.digest import keyed_digest
    from tests.conftest import make_applicant

    for i in range(extra):
        nik = f"3201010101{80:02d}{7000 + i:04d}"
        applicant = make_applicant(email=f"g{i}@example.com", nik=nik, kk=nik, phone=f"+62813{i * 104729:08d}")
        registration = Registration.objects.create(wave=wave, applicant=applicant, registered_at=wave.opens_at,
                                                   nik_digest=keyed_digest(nik), kk_digest=keyed_digest(nik))
        ScreeningResult.objects.create(registration=registration, wave=wave, status="eligible", selected=False)


@pytest.mark.parametrize("extra", [0, 30])
def test_it_reads_a_stored_summary_in_a_fixed_number_of_queries(client, reporter, django_assert_num_queries, extra):
    wave = build_wave(number=50)
    _grow(wave, extra)
    _page(client, reporter, wave)  # logs in, computes and stores the summary
    url = reverse("reports:wave", kwargs={"number": wave.number})
    # session, user, second-factor device, permissions (user's, groups'), wave, run, summary, clusters with their
    # count, audit, and the after-the-draw section's 6 (aftercare.services.after_the_draw: counts, the kept
    # recipients and reserve now, and the first revocations and promotions)
    with django_assert_num_queries(16):
        assert client.get(url).status_code == 200


def test_it_says_when_a_worker_is_computing_the_figures(client, reporter, wave, settings, monkeypatch):
    from django.core.cache import cache

    from reports.tasks import build_wave_summary

    cache.clear()
    settings.REPORT_SYNC_MAX_REGISTRATIONS = 5
    monkeypatch.setattr(build_wave_summary, "delay_on_commit", lambda wave_id: None)
    ScreeningRun.objects.filter(wave=wave).update(outcome_counts={})
    page = _page(client, reporter, wave)
    assert 'id="fig-registrations"' not in page and 'role="status"' in page
    response = client.get(reverse("reports:summary_csv", kwargs={"number": wave.number}))
    assert response.status_code == 400 and "sedang dihitung" in response.content.decode()
    # The result rows need no summary: they download at once.
    assert client.get(reverse("reports:results_csv", kwargs={"number": wave.number})).status_code == 200
