"""Revoking a recipient fills the place from the reserve in rank order, re-checking the KK and prior-recipient
rules at that moment, and never lets the recipients exceed the quota."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from aftercare import services
from aftercare.models import Promotion, Revocation, RevocationReason
from eligibility.models.screening import ScreeningResult
from prakerja.lib.timefmt import WIB
from registration.models import Registration
from tests.aftercare.conftest import by_rank, drawn_wave, make_list, make_wave, new_kk, new_person, recipients, register, screen, select

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(db):
    """Wave 20, quota 2, five eligible people in five families: ranks 1-2 selected, 3-5 the reserve."""
    return drawn_wave(quota=2, people=5)


def reg(pk: int) -> Registration:
    return Registration.objects.get(pk=pk)


def test_it_fills_a_revoked_place_with_the_first_reserve(drawn, staff):
    ranked = by_rank(drawn)
    revocation = services.revoke_recipient(registration=reg(ranked[0]), reason=RevocationReason.FRAUD, by=staff,
                                           note="KTP palsu")
    assert recipients(drawn) == {ranked[1], ranked[2]}
    promotion = Promotion.objects.get()
    assert (promotion.registration_id, promotion.rank, promotion.fills, promotion.by) == (ranked[2], 3, revocation, staff)
    assert (revocation.reason, revocation.by, revocation.note) == ("fraud", staff, "KTP palsu")


def test_it_refuses_to_revoke_someone_who_is_not_a_recipient(drawn, staff):
    reserve = reg(by_rank(drawn)[3])
    with pytest.raises(services.AftercareError):
        services.revoke_recipient(registration=reserve, reason=RevocationReason.FRAUD, by=staff)
    assert not Revocation.objects.exists()


def test_it_never_exceeds_the_quota_and_stops_when_the_reserve_runs_out(drawn, staff):
    ranked = by_rank(drawn)
    for pk in ranked[:2]:
        services.revoke_recipient(registration=reg(pk), reason=RevocationReason.NO_TRAINING, by=staff)
    assert recipients(drawn) == {ranked[2], ranked[3]}
    services.revoke_recipient(registration=reg(ranked[2]), reason=RevocationReason.NO_TRAINING, by=staff)
    assert recipients(drawn) == {ranked[3], ranked[4]}
    services.revoke_recipient(registration=reg(ranked[3]), reason=RevocationReason.NO_TRAINING, by=staff)
    # The reserve is exhausted: one place stays empty, recorded as unfilled.
    assert recipients(drawn) == {ranked[4]}
    selected, revoked, promoted = 2, Revocation.objects.count(), Promotion.objects.count()
    assert (revoked, promoted) == (4, 3)
    assert selected - revoked + promoted == len(recipients(drawn)) <= drawn.quota


def test_it_skips_a_reserve_whose_family_card_has_no_free_slot(db, staff):
    kk = new_kk()
    wave = make_wave(number=20, quota=1)
    family = {register(new_person(kk=kk), wave).pk for _ in range(2)}
    stranger = register(new_person(), wave)
    screen(wave)
    select(wave)
    winner = ScreeningResult.objects.get(wave_id=wave.pk, selected=True).registration
    # Since the draw, a new prior-awardee list shows two other members of the family card as 2020 recipients.
    make_list("prior_awardee", niks=["3201010101900001", "3201010101900002"],
              kk_of={"3201010101900001": kk, "3201010101900002": kk})
    services.revoke_recipient(registration=winner, reason=RevocationReason.NO_TRAINING, by=staff)
    assert not recipients(wave) & family
    assert recipients(wave) == (set() if winner.pk == stranger.pk else {stranger.pk})


def test_it_skips_a_reserve_who_became_a_recipient_in_another_wave(drawn, staff):
    ranked = by_rank(drawn)
    first_reserve = reg(ranked[2])
    later = make_wave(number=21, quota=5, days_ago=2)
    again = register(first_reserve.applicant, later)
    ScreeningResult.objects.create(registration=again, wave=later, status="eligible", reasons="", rank=1,
                                   selected=True)
    services.revoke_recipient(registration=reg(ranked[0]), reason=RevocationReason.NO_TRAINING, by=staff)
    assert recipients(drawn) == {ranked[1], ranked[3]}


def test_it_gives_the_promoted_applicant_a_deadline_from_the_promotion(drawn, staff, settings):
    settings.TRAINING_DEADLINE_DAYS = 30
    ranked = by_rank(drawn)
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)):  # promoted five days after the draw
        services.revoke_recipient(registration=reg(ranked[0]), reason=RevocationReason.NO_TRAINING, by=staff)
    promotion = Promotion.objects.get()
    deadline = services.training_deadline(wave=drawn, promoted_at=promotion.at)
    assert deadline == timezone.localdate(promotion.at, WIB) + dt.timedelta(days=30)  # a day in WIB
    assert deadline > services.training_deadline(wave=drawn)


def test_it_revokes_in_bulk_from_niks_and_counts_the_rest(drawn, staff):
    ranked = by_rank(drawn)
    niks = [reg(pk).applicant.nik for pk in (ranked[0], ranked[1], ranked[4])]
    revoked, not_recipients = services.revoke_niks(wave=drawn, niks=niks, reason=RevocationReason.INELIGIBLE,
                                                   by=staff)
    assert (revoked, not_recipients) == (2, 1)
    assert recipients(drawn) == {ranked[2], ranked[3]}
