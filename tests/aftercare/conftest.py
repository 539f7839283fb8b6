"""Fixtures after the draw: a screened or selected wave with people, their registrations and results."""
from __future__ import annotations

from eligibility import waves
from eligibility.models.screening import ScreeningResult
from tests.eligibility.screening.conftest import (  # noqa: F401  (fixtures and helpers shared with screening)
    drop_list_tables, make_list, make_wave, new_kk, new_person, register, result_of, screen,
)


def select(wave):
    waves.select_awardees(wave=wave, by=None)
    wave.refresh_from_db()
    return wave


def recipients(wave) -> set[int]:
    return set(ScreeningResult.objects.filter(wave_id=wave.pk, selected=True).values_list("registration_id", flat=True))


def by_rank(wave) -> list[int]:
    return list(ScreeningResult.objects.filter(wave_id=wave.pk, rank__isnull=False).order_by("rank")
                .values_list("registration_id", flat=True))


def drawn_wave(*, quota: int, people: int, number: int = 20):
    """Wave `number` screened and drawn, with `people` eligible people in as many families."""
    wave = make_wave(number=number, quota=quota)
    for _ in range(people):
        register(new_person(), wave)
    screen(wave)
    return select(wave)
