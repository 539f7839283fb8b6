"""Kartu Prakerja card numbers: the format, its check digit, and the set-based assignment at selection and promotion.

Format (docs/DOMAIN.md, "Card numbers"): ``KP-WWWW-RRRRRRRR-C``: the wave number in 4 digits, the lottery rank in
8 digits (both zero-padded) and a Luhn check digit over those 12 digits. A card number is a pure function of
(wave number, rank), so a place filled from the reserve later gets its number the same way.

The rule is written twice on purpose, once in Python (`card_number`, for checks and single rows) and once as
an SQL expression (`card_number_sql`, for the set-based UPDATE at selection); tests/eligibility/test_card_numbers.py
holds them equal over the whole range.
"""
from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import connection
from django.utils import timezone

from eligibility.models.screening import ScreeningResult

WAVE_DIGITS = 4
RANK_DIGITS = 8
CARD_NUMBER_RE = re.compile(r"^KP-(\d{4})-(\d{8})-(\d)$")


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit to append to `digits` (a string of decimal digits): every second digit from the
    right, starting with the rightmost, is doubled (minus 9 when above 9); the digit makes the sum a multiple
    of 10. Catches every single-digit error and most swaps of two adjacent digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def card_number(wave_number: int, rank: int) -> str:
    """`KP-0012-00000042-5` for rank 42 of wave 12. Raises ValueError outside 1..9999 and 1..99,999,999."""
    if not (0 < wave_number < 10**WAVE_DIGITS and 0 < rank < 10**RANK_DIGITS):
        raise ValueError(f"no card number for wave {wave_number}, rank {rank}")
    payload = f"{wave_number:0{WAVE_DIGITS}d}{rank:0{RANK_DIGITS}d}"
    return f"KP-{payload[:WAVE_DIGITS]}-{payload[WAVE_DIGITS:]}-{luhn_check_digit(payload)}"


def is_valid_card_number(value: str) -> bool:
    match = CARD_NUMBER_RE.match(value or "")
    return bool(match) and luhn_check_digit(match[1] + match[2]) == int(match[3])


def card_number_sql(wave_number_sql: str, rank_sql: str) -> str:
    """The SQL expression computing card_number() from two integer expressions, for the current database.

    The 12-digit payload is wave * 10^8 + rank (a bigint); digit k from the right is (payload / 10^k) % 10.
    For a query with parameters: "%" is written "%%".
    """
    payload = f"(CAST({wave_number_sql} AS BIGINT) * {10**RANK_DIGITS} + {rank_sql})"
    terms = []
    for k in range(WAVE_DIGITS + RANK_DIGITS):
        digit = f"(({payload} / {10**k}) %% 10)"
        terms.append(f"((2 * {digit}) / 10 + (2 * {digit}) %% 10)" if k % 2 == 0 else digit)
    check = f"((10 - ({' + '.join(terms)}) %% 10) %% 10)"
    if connection.vendor == "postgresql":
        return (f"('KP-' || lpad(CAST({wave_number_sql} AS TEXT), {WAVE_DIGITS}, '0') || '-' || "
                f"lpad(CAST({rank_sql} AS TEXT), {RANK_DIGITS}, '0') || '-' || CAST({check} AS TEXT))")
    return f"printf('KP-%%0{WAVE_DIGITS}d-%%0{RANK_DIGITS}d-%%d', {wave_number_sql}, {rank_sql}, {check})"


def assign_card_numbers(*, wave_id: int, registration_ids: list[int] | None = None) -> int:
    """Give selected registrations of the wave their card numbers, card_number(wave number, rank), in one UPDATE:
    every selected one at the selection (in its transaction), or only `registration_ids` when places are filled
    from the reserve (aftercare.services.fill_places: a promoted registration keeps its rank, so its number is
    computed the same way). A number once given never changes: rows that have one are left alone.
    Returns the number of rows updated."""
    from registration.models import Wave

    number = int(Wave.objects.values_list("number", flat=True).get(pk=wave_id))  # an int: safe as a literal
    table = ScreeningResult._meta.db_table
    only, params = "", [wave_id, True]
    if registration_ids is not None:
        if not registration_ids:
            return 0
        only = f" AND registration_id IN ({', '.join(['%s'] * len(registration_ids))})"
        params += list(registration_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET card_number = {card_number_sql(str(number), 'rank')}"
                       f" WHERE wave_id = %s AND selected = %s AND card_number IS NULL{only}", params)
        return cursor.rowcount


def training_deadline(*, start: dt.datetime) -> dt.date:
    """The last day (in WIB) by which a recipient must buy their first training: TRAINING_DEADLINE_DAYS days after
    `start`, the selection, or the promotion from the reserve for a promoted recipient (docs/DOMAIN.md, "Card
    numbers and the first training"). The one place this rule is computed."""
    from prakerja.lib.timefmt import WIB

    return timezone.localdate(start, WIB) + dt.timedelta(days=settings.TRAINING_DEADLINE_DAYS)


def deadline_passed_for_starts_before(as_of: dt.datetime) -> dt.datetime:
    """The moment before which a selection or promotion has a training deadline that ended before the day (WIB) of
    `as_of`: training_deadline(start=s) < that day exactly when s is earlier than the returned moment."""
    from prakerja.lib.timefmt import WIB

    day = timezone.localdate(as_of, WIB) - dt.timedelta(days=settings.TRAINING_DEADLINE_DAYS)
    return dt.datetime.combine(day, dt.time.min, tzinfo=WIB)
