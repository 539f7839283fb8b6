"""The table of moves in eligibility.waves: every pair of statuses, allowed or refused, and the compare-and-set."""
import datetime as dt
import itertools

import pytest
from django.utils import timezone

from eligibility import waves
from registration.models import Wave

S = Wave.Status
PAIRS = list(itertools.product(S.values, S.values))


def wave_in(status: str, **fields) -> Wave:
    now = timezone.now()
    return Wave.objects.create(number=40, quota=10, status=status, opens_at=now - dt.timedelta(days=2),
                               closes_at=now + dt.timedelta(days=2), **fields)


@pytest.mark.parametrize(("from_", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_it_allows_exactly_the_moves_in_the_table(db, from_, to):
    wave = wave_in(from_)
    allowed = (from_, to) in waves.TRANSITIONS
    if allowed:
        assert waves._move(wave, from_=from_, to=to) is True
    else:
        with pytest.raises(waves.WaveMoveRefused):
            waves._move(wave, from_=from_, to=to)
    assert Wave.objects.get(pk=wave.pk).status == (to if allowed else from_)


def test_it_is_the_lifecycle_the_domain_names():
    forward = [S.DRAFT, S.OPEN, S.CLOSED, S.SCREENING, S.SCREENED, S.SELECTED]
    assert set(zip(forward, forward[1:])) | {(S.SCREENING, S.SCREENING), (S.SCREENED, S.SCREENING)} == waves.TRANSITIONS


def test_it_loses_the_race_when_the_wave_moved_first(db):
    wave = wave_in(S.OPEN)
    assert waves._move(wave.pk, from_=S.OPEN, to=S.CLOSED, closed_at=timezone.now()) is True
    assert waves._move(wave.pk, from_=S.OPEN, to=S.CLOSED) is False  # the second closer changes nothing
    assert Wave.objects.get(pk=wave.pk).status == S.CLOSED


def test_it_resets_only_benchmark_waves(db):
    real = wave_in(S.SELECTED)
    with pytest.raises(waves.WaveMoveRefused):
        waves.reset_benchmark_wave(wave=real)
    bench = Wave.objects.create(number=waves.BENCHMARK_WAVES_FROM + 1, quota=1, status=S.SELECTED,
                                opens_at=real.opens_at - dt.timedelta(days=9), closes_at=real.opens_at)
    waves.reset_benchmark_wave(wave=bench)
    assert Wave.objects.get(pk=bench.pk).status == S.OPEN
    assert Wave.objects.get(pk=real.pk).status == S.SELECTED


def test_published_excludes_only_drafts(db):
    now = timezone.now()
    for number, status in enumerate(S.values, start=1):
        Wave.objects.create(number=number, quota=1, status=status, opens_at=now, closes_at=now + dt.timedelta(days=1))
    assert set(Wave.objects.published().values_list("status", flat=True)) == set(S.values) - {S.DRAFT}


@pytest.mark.parametrize(("status", "opens", "closes", "closed", "phase"), [
    (S.DRAFT, -1, 1, None, Wave.Phase.DRAFT),
    (S.OPEN, 1, 2, None, Wave.Phase.UPCOMING),
    (S.OPEN, -1, 1, None, Wave.Phase.ACCEPTING),
    (S.OPEN, -2, -1, None, Wave.Phase.CLOSED),  # deadline passed, the beat has not closed it yet
    (S.CLOSED, -2, 1, -1, Wave.Phase.CLOSED_EARLY),
    (S.CLOSED, -2, -1, 0, Wave.Phase.CLOSED),
    (S.SCREENING, -2, -1, 0, Wave.Phase.SCREENING),
    (S.SCREENED, -2, -1, 0, Wave.Phase.SCREENED),
    (S.SELECTED, -2, -1, 0, Wave.Phase.SELECTED),
])
def test_it_names_the_phase_of_a_wave(status, opens, closes, closed, phase):
    now = timezone.now()
    days = lambda n: now + dt.timedelta(days=n)  # noqa: E731
    wave = Wave(number=1, quota=1, status=status, opens_at=days(opens), closes_at=days(closes),
                closed_at=days(closed) if closed is not None else None)
    assert wave.phase(now) == phase
