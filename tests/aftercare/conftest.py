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


def ineligible_in_wave_20(applicant):
    """The applicant's registration in wave 20, screened out by the ASN list, appeals open for 3 days (the
    caller sets settings.APPEAL_WINDOW_DAYS = 3)."""
    wave = make_wave(number=20, quota=2)
    registration = register(applicant, wave)
    make_list("asn", [applicant], file_name="bkn-2019.csv")
    screen(wave)
    return registration
