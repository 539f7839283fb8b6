"""A drawn wave's "recipients now" and "reserve now" are kept by every writer (aftercare.models.WaveCounts), so that
the report reads them without counting millions of results: after the draw, each revocation path, a promotion, an
appeal upheld after the draw, a benchmark wave's reset and re-draw, and sequences of them, the kept counts equal
the live counts (aftercare.sql.live_counts, the queries the report ran before). Revocations racing in threads:
test_quota_concurrency.py."""
from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from aftercare import services, tasks
from aftercare.models import Appeal, Promotion, RevocationReason, WaveCounts
from aftercare.sql import live_counts
from complaints.models import NikMisuseReport, Suspension
from eligibility import waves
from registration.models import Registration, Wave
from tests.aftercare.conftest import by_rank, make_list, make_wave, new_person, register, screen, select

pytestmark = pytest.mark.django_db


def kept(wave) -> tuple[int, int]:
    return WaveCounts.objects.filter(wave_id=wave.pk).values_list("recipients", "reserve").get()


def assert_kept(wave) -> tuple[int, int]:
    """The kept counts equal a live recount; returns them."""
    assert kept(wave) == live_counts(wave)
    return kept(wave)


def reg(pk: int) -> Registration:
    return Registration.objects.get(pk=pk)


def uphold(registration, staff, reason: str = "asn") -> None:
    appeal = Appeal.objects.create(registration=registration, reason=reason, statement="Bukan ASN sejak 2019.")
    services.decide_appeal(appeal=appeal, upheld=True, reason="SK pemberhentian.", by=staff)


@pytest.fixture
def drawn(db, settings):
    """Wave 20, quota 3: six eligible people, two screened out by the ASN list (appeals decided after the draw)."""
    settings.APPEAL_WINDOW_DAYS = 0
    settings.TRAINING_DEADLINE_DAYS = 30
    wave = make_wave(number=20, quota=3)
    for _ in range(6):
        register(new_person(), wave)
    listed = [new_person() for _ in range(2)]
    late = [register(person, wave) for person in listed]
    make_list("asn", listed)
    screen(wave)
    return select(wave), late


def test_the_draw_stores_the_counts(drawn):
    wave, _late = drawn
    assert assert_kept(wave) == (3, 3)


def test_the_draw_leaves_the_suspended_and_the_ineligible_out(db, staff):
    wave = make_wave(number=20, quota=2)
    people = [new_person() for _ in range(5)]
    for person in people:
        register(person, wave)
    make_list("asn", people[:1])
    screen(wave)
    report = NikMisuseReport.objects.create(reporter=staff, nik=people[1].nik, statement="Bukan akun saya.")
    Suspension.objects.create(applicant=people[1], report=report, reason="Laporan korban", suspended_by=staff)
    assert select(wave).status == Wave.Status.SELECTED
    assert assert_kept(wave) == (2, 1)


def test_a_wave_with_fewer_eligible_than_its_quota_has_no_reserve(db):
    wave = make_wave(number=20, quota=10)
    for _ in range(4):
        register(new_person(), wave)
    screen(wave)
    assert waves.select_awardees(wave=wave, by=None) == 4
    assert assert_kept(wave) == (4, 0)
    assert waves.select_awardees(wave=wave, by=None) == 4  # a second call reads the kept count


@pytest.mark.parametrize("reason", RevocationReason.values)
def test_a_revocation_fills_the_place_from_the_reserve(drawn, staff, reason):
    wave, _late = drawn
    services.revoke_recipient(registration=reg(by_rank(wave)[0]), reason=reason, by=staff)
    assert assert_kept(wave) == (3, 2)


def test_a_revocation_the_reserve_cannot_fill_lowers_the_recipients(drawn, staff):
    wave, _late = drawn
    ranked = by_rank(wave)
    for pk in ranked[:5]:
        services.revoke_recipient(registration=reg(pk), reason=RevocationReason.NO_TRAINING, by=staff)
        assert_kept(wave)
    assert kept(wave) == (1, 0)


def test_a_revocation_from_a_file_of_niks(drawn, staff):
    wave, _late = drawn
    ranked = by_rank(wave)
    niks = [reg(pk).applicant.nik for pk in (ranked[0], ranked[1], ranked[5])]  # the last is a reserve: skipped
    assert services.revoke_niks(wave=wave, niks=niks, reason=RevocationReason.FRAUD, by=staff) == (2, 1)
    assert assert_kept(wave) == (3, 1)


def test_the_nightly_revocation_of_those_who_did_not_start_a_training(drawn, tmp_path):
    wave, _late = drawn
    started = tmp_path / "mulai.csv"
    started.write_text(f"nik\n{reg(by_rank(wave)[0]).applicant.nik}\n")
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        call_command("record_training_starts", str(started))
        assert tasks.revoke_past_training_deadline() == 2
    assert assert_kept(wave) == (3, 1)


def test_an_appeal_upheld_after_the_draw_enters_the_reserve(drawn, staff):
    wave, late = drawn
    uphold(late[0], staff)
    assert assert_kept(wave) == (3, 4)


def test_an_appeal_upheld_after_the_draw_fills_a_place_left_unfilled(drawn, staff):
    wave, late = drawn
    for pk in by_rank(wave)[:4]:  # three reserves for four places: one stays unfilled
        services.revoke_recipient(registration=reg(pk), reason=RevocationReason.NO_TRAINING, by=staff)
    assert assert_kept(wave) == (2, 0)
    uphold(late[0], staff)
    assert Promotion.objects.filter(registration=late[0]).exists()
    assert assert_kept(wave) == (3, 0)


def test_a_sequence_of_every_kind_keeps_them_equal(drawn, staff, tmp_path):
    wave, late = drawn
    ranked = by_rank(wave)
    services.revoke_recipient(registration=reg(ranked[0]), reason=RevocationReason.FRAUD, by=staff)
    assert_kept(wave)
    uphold(late[0], staff)
    assert_kept(wave)
    services.revoke_niks(wave=wave, niks=[reg(ranked[1]).applicant.nik], reason=RevocationReason.INELIGIBLE, by=staff)
    assert_kept(wave)
    uphold(late[1], staff)
    assert_kept(wave)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        (tmp_path / "none.csv").write_text("nik\n")
        call_command("record_training_starts", str(tmp_path / "none.csv"))
        tasks.revoke_past_training_deadline()
    assert_kept(wave)
    recipients, reserve = kept(wave)
    assert recipients <= wave.quota


def test_a_benchmark_wave_reset_and_drawn_again_is_counted_afresh(db):
    wave = make_wave(number=waves.BENCHMARK_WAVES_FROM + 1, quota=2)
    for _ in range(5):
        register(new_person(), wave)
    screen(wave)
    select(wave)
    assert assert_kept(wave) == (2, 3)
    waves.reset_benchmark_wave(wave=wave)
    assert not WaveCounts.objects.filter(wave=wave).exists()
    wave.refresh_from_db()
    wave.closes_at = timezone.now() - dt.timedelta(days=1)
    wave.save(update_fields=["closes_at"])
    screen(wave)
    select(wave)
    assert assert_kept(wave) == (2, 3)


def test_a_wave_drawn_before_the_counts_were_kept_gets_them(drawn, staff):
    """The data migration's backfill, and a writer meeting a wave without its row."""
    wave, _late = drawn
    WaveCounts.objects.all().delete()
    backfill = importlib.import_module("aftercare.migrations.0003_backfill_wave_counts").backfill
    with connection.cursor() as cursor:
        backfill(apps, SimpleNamespace(execute=cursor.execute))  # what it asks of the schema editor
    assert assert_kept(wave) == (3, 3)
    WaveCounts.objects.all().delete()
    services.revoke_recipient(registration=reg(by_rank(wave)[0]), reason=RevocationReason.FRAUD, by=staff)
    assert assert_kept(wave) == (3, 2)


def test_verify_finds_drift_and_repairs_it(drawn):
    wave, _late = drawn
    call_command("verify_wave_counts")
    WaveCounts.objects.filter(wave=wave).update(reserve=99)
    with pytest.raises(CommandError):
        call_command("verify_wave_counts")
    call_command("verify_wave_counts", "--repair")
    assert assert_kept(wave) == (3, 3)


def test_the_report_page_shows_the_kept_counts(client, drawn, staff):
    wave, late = drawn
    services.revoke_recipient(registration=reg(by_rank(wave)[0]), reason=RevocationReason.FRAUD, by=staff)
    uphold(late[0], staff)
    recipients, reserve = assert_kept(wave)
    client.force_login(staff)
    html = client.get(reverse("reports:wave", args=[wave.number])).content.decode()
    section = html[html.index('id="after-the-draw"'):]
    assert f'id="recipients-count">{recipients} / {wave.quota}<' in section
    assert f'id="reserve-count">{reserve}<' in section
    assert (recipients, reserve) == (3, 3)
