import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.utils import timezone, translation

from registration.models import Wave
from eligibility.waves import WaveError, publish_wave, unsealed_seed


def test_it_draws_a_seed_and_publishes_its_commitment(open_wave_12):
    wave = Wave.objects.get(pk=open_wave_12.pk)
    assert wave.status == Wave.Status.OPEN
    seed = unsealed_seed(wave)
    assert len(seed) == 64
    assert wave.seed_commitment == hashlib.sha256(seed.encode()).hexdigest()


def test_it_never_redraws_the_seed(open_wave_12, staff):
    sealed = open_wave_12.sealed_seed
    again = publish_wave(wave=open_wave_12, by=staff)
    assert again.sealed_seed == sealed


def test_it_lets_a_draft_not_block_another_wave_until_it_is_opened(open_wave_12, staff):
    later = dict(opens_at=open_wave_12.closes_at + dt.timedelta(days=10),
                 closes_at=open_wave_12.closes_at + dt.timedelta(days=13))
    first_draft = Wave.objects.create(number=13, quota=10, **later)
    second_draft = Wave.objects.create(number=14, quota=10, **later)
    assert publish_wave(wave=second_draft, by=staff).status == Wave.Status.OPEN
    with pytest.raises(WaveError, match="14"):
        publish_wave(wave=first_draft, by=staff)


def test_it_frees_the_rest_of_the_window_of_a_wave_closed_early(open_wave_12, staff):
    from eligibility.waves import close_wave

    with mock.patch("eligibility.screening.tasks.screen_wave.delay_on_commit"):
        close_wave(wave=open_wave_12, by=staff)
    following = Wave.objects.create(number=13, quota=10, opens_at=timezone.now() + dt.timedelta(hours=1),
                                    closes_at=open_wave_12.closes_at + dt.timedelta(days=3))
    assert publish_wave(wave=following, by=staff).status == Wave.Status.OPEN


@translation.override("id")  # refusals render in the active language; asserted in Indonesian here
def test_it_publishes_waves_in_number_order(open_wave_12, staff):
    """Earlier waves' recipients are prior awardees of later ones by number: number order is calendar order."""
    before = Wave.objects.create(number=11, quota=10, opens_at=open_wave_12.opens_at - dt.timedelta(days=30),
                                 closes_at=open_wave_12.opens_at - dt.timedelta(days=20))
    with pytest.raises(WaveError, match="Gelombang 12 sudah diterbitkan"):
        publish_wave(wave=before, by=staff)
    earlier_window = Wave.objects.create(number=13, quota=10, opens_at=open_wave_12.opens_at - dt.timedelta(days=9),
                                         closes_at=open_wave_12.opens_at - dt.timedelta(days=2))
    with pytest.raises(WaveError, match="Gelombang 13 harus dibuka setelah gelombang 12"):
        publish_wave(wave=earlier_window, by=staff)
    assert set(Wave.objects.filter(status=Wave.Status.DRAFT).values_list("number", flat=True)) == {11, 13}


def test_it_refuses_an_overlapping_window(open_wave_12, staff):
    overlapping = Wave.objects.create(number=13, quota=10, opens_at=open_wave_12.closes_at - dt.timedelta(hours=1),
                                      closes_at=open_wave_12.closes_at + dt.timedelta(days=3))
    with pytest.raises(WaveError, match="12"):
        publish_wave(wave=overlapping, by=staff)
    assert Wave.objects.get(pk=overlapping.pk).status == Wave.Status.DRAFT
