"""Card numbers: KP-WWWW-RRRRRRRR-C with a Luhn digit, assigned set-based at selection (eligibility.cards)."""
import random

import pytest
from django.db import connection

from eligibility.cards import card_number, card_number_sql, is_valid_card_number, luhn_check_digit
from eligibility.models.screening import ScreeningResult
from eligibility.waves import select_awardees

from .conftest import make_wave, new_person, register, screen


def test_it_formats_wave_and_rank_with_a_luhn_digit():
    assert card_number(12, 42) == "KP-0012-00000042-" + str(luhn_check_digit("001200000042"))
    assert luhn_check_digit("7992739871") == 3  # the textbook Luhn example


def test_it_refuses_numbers_outside_the_format():
    for wave, rank in ((0, 1), (10_000, 1), (1, 0), (1, 100_000_000)):
        with pytest.raises(ValueError):
            card_number(wave, rank)


def test_every_single_digit_error_is_caught():
    number = card_number(12, 345_678)
    digits = [i for i, char in enumerate(number) if char.isdigit()]
    for i in digits:
        for other in "0123456789":
            if other != number[i]:
                assert not is_valid_card_number(number[:i] + other + number[i + 1:])
    assert is_valid_card_number(number)


@pytest.mark.django_db
def test_the_sql_expression_agrees_with_python_over_the_whole_range():
    rng = random.Random(11)
    pairs = [(1, 1), (9999, 99_999_999), (12, 600_000)] + [(rng.randint(1, 9999), rng.randint(1, 99_999_999))
                                                            for _ in range(300)]
    with connection.cursor() as cursor:
        for wave, rank in pairs:
            cursor.execute(f"SELECT {card_number_sql(str(wave), 't.r')} FROM (SELECT %s AS r) t", [rank])
            assert cursor.fetchone()[0] == card_number(wave, rank)


def test_the_selection_gives_every_selected_registration_its_number(db):
    wave = make_wave(number=73, quota=3)
    for _ in range(5):
        register(new_person(), wave)
    screen(wave)
    select_awardees(wave=wave, by=None)
    rows = ScreeningResult.objects.filter(wave_id=wave.pk).order_by("rank")
    assert [(r.card_number or None) for r in rows] == [card_number(73, 1), card_number(73, 2), card_number(73, 3),
                                                       None, None]
