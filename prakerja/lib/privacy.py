"""Privacy rules for personal data (UU 27/2022 on personal data protection), in one place.

One mask per kind of personal data, each with one format, and its SQL twin (a database function that gives
exactly the same text, so a file of a million rows is masked inside the query; tests compare the two on
PostgreSQL and SQLite over the whole kind of input):

| kind        | Python               | SQL twin          | example                                     |
|-------------|----------------------|-------------------|---------------------------------------------|
| NIK, KK     | mask_number()        | MaskedNumber      | `3201014112900001` -> `3201********0001`    |
| phone       | mask_phone()         | MaskedPhone       | `+6281234567890` -> `+62812****7890`        |
| name        | mask_name()          | MaskedName        | `Siti Aminah` -> `S**** A****`              |
| e-mail      | mask_email()         | MaskedEmail       | `siti@example.com` -> `s***@example.com`    |
| birth date  | mask_birth_date()    | MaskedBirthDate   | `1990-12-01` -> `**-**-1990`                |

The number of asterisks is fixed per kind: a mask never tells how long the hidden part is. Empty input
gives "" (SQL: NULL gives NULL).

Whole values are shown only to staff holding one permission, WHOLE_VALUES_PERMISSION, on every screen and
in every file: can_see_whole() is the only check. (Screens and files that show whole values by default to
such staff, or only when asked, say so themselves; the reports ask each time.)
"""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Func

# The one permission for whole NIK, KK, name, birth date, phone and e-mail (the former
# reports.view_full_nik was merged into it by reports/migrations/0002).
WHOLE_VALUES_PERMISSION = "registration.view_full_nik"

NUMBER_STARS = "********"
PHONE_STARS = "****"
NAME_STARS = "****"
EMAIL_STARS = "***"


def can_see_whole(user) -> bool:
    """True when `user` may see personal data unmasked (an active account holding WHOLE_VALUES_PERMISSION)."""
    return bool(user is not None and user.is_active and user.has_perm(WHOLE_VALUES_PERMISSION))


def mask_number(number: str | None) -> str:
    """NIK or KK: the first four digits (province and regency) and the last four (serial) stay, eight
    asterisks in between hide the district and the birth date: `3201********0001`. A value of eight
    characters or fewer is all hidden (`********`), so a damaged number reveals nothing whole."""
    if not number:
        return ""
    if len(number) <= 8:
        return NUMBER_STARS
    return number[:4] + NUMBER_STARS + number[-4:]


def mask_phone(phone: str | None) -> str:
    """Phone (E.164, `+628...`, 12 to 15 characters): `+62` and the operator prefix (3 digits) stay, and the
    last four digits (enough to see a run of numbers bought together): `+62812****7890`. A value shorter
    than 12 characters is not a normalised mobile number and is all hidden (`********`)."""
    if not phone:
        return ""
    if len(phone) < 12:
        return NUMBER_STARS
    return phone[:6] + PHONE_STARS + phone[-4:]


def mask_name(full_name: str | None) -> str:
    """Name: the initial of the first word and of the second, each followed by four asterisks:
    `Siti Aminah` -> `S**** A****`, `Dewi` -> `D****`, `Muhammad Rizki Pratama` -> `M**** R****`.

    Words are separated by spaces (U+0020); leading and trailing spaces are ignored. A one-word name is
    masked too: kept whole it would identify the person, and pass a formula such as `=HYPERLINK(...)`
    through to a file (the CSV writer neutralises that one, `'=****`, like any other cell).
    """
    name = (full_name or "").strip(" ")
    if not name:
        return ""
    first = name[0] + NAME_STARS
    space = name.find(" ")
    if space < 0:
        return first
    return f"{first} {name[space + 1:].lstrip(' ')[0]}{NAME_STARS}"


def mask_email(email: str | None) -> str:
    """E-mail: the first character of the mailbox, three asterisks, and the whole domain (which tells a
    provider, not a person): `siti@example.com` -> `s***@example.com`. Without an `@`: `***`."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    if not at:
        return EMAIL_STARS
    return f"{local[:1]}{EMAIL_STARS}@{domain}"


def mask_birth_date(birth_date: dt.date | None) -> str:
    """Birth date: the year only, `**-**-1990` (the whole date is inside the NIK, which is masked too)."""
    if birth_date is None:
        return ""
    return f"**-**-{birth_date.year:04d}"


# --- SQL twins -------------------------------------------------------------------------------------------

class OneArgFunc(Func):
    """A function of one expression whose template may name it several times: its parameters are
    repeated as often (a column has none; a literal has one per occurrence)."""

    arity = 1
    output_field = models.CharField()

    def as_sql(self, compiler, connection, function=None, template=None, **extra):
        template = template or self.template
        sql, params = super().as_sql(compiler, connection, function=function, template=template, **extra)
        return sql, tuple(params) * template.count("%(expressions)s")


class _PositionFunc(OneArgFunc):
    """A template that needs the position of a substring: `{pos}(haystack, needle)`, 1-based, 0 when absent."""

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=self.template.format(pos="STRPOS"), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=self.template.format(pos="INSTR"), **extra)


class MaskedNumber(OneArgFunc):
    """mask_number() in SQL."""

    template = (
        "(CASE WHEN %(expressions)s = '' THEN '' WHEN LENGTH(%(expressions)s) <= 8 THEN '" + NUMBER_STARS + "'"
        " ELSE SUBSTR(%(expressions)s, 1, 4) || '" + NUMBER_STARS + "'"
        " || SUBSTR(%(expressions)s, LENGTH(%(expressions)s) - 3, 4) END)"
    )


class MaskedPhone(OneArgFunc):
    """mask_phone() in SQL."""

    template = (
        "(CASE WHEN %(expressions)s = '' THEN '' WHEN LENGTH(%(expressions)s) < 12 THEN '" + NUMBER_STARS + "'"
        " ELSE SUBSTR(%(expressions)s, 1, 6) || '" + PHONE_STARS + "'"
        " || SUBSTR(%(expressions)s, LENGTH(%(expressions)s) - 3, 4) END)"
    )


class MaskedName(_PositionFunc):
    """mask_name() in SQL (TRIM and LTRIM without a second argument remove spaces only, as strip(" "))."""

    template = (
        "(CASE WHEN TRIM(%(expressions)s) = '' THEN ''"
        " WHEN {pos}(TRIM(%(expressions)s), ' ') = 0 THEN SUBSTR(TRIM(%(expressions)s), 1, 1) || '" + NAME_STARS + "'"
        " ELSE SUBSTR(TRIM(%(expressions)s), 1, 1) || '" + NAME_STARS + " '"
        " || SUBSTR(LTRIM(SUBSTR(TRIM(%(expressions)s), {pos}(TRIM(%(expressions)s), ' ') + 1)), 1, 1)"
        " || '" + NAME_STARS + "' END)"
    )


class MaskedEmail(_PositionFunc):
    """mask_email() in SQL."""

    template = (
        "(CASE WHEN %(expressions)s = '' THEN '' WHEN {pos}(%(expressions)s, '@') = 0 THEN '" + EMAIL_STARS + "'"
        " ELSE SUBSTR(%(expressions)s, 1, CASE WHEN {pos}(%(expressions)s, '@') = 1 THEN 0 ELSE 1 END)"
        " || '" + EMAIL_STARS + "@' || SUBSTR(%(expressions)s, {pos}(%(expressions)s, '@') + 1) END)"
    )


class MaskedBirthDate(OneArgFunc):
    """mask_birth_date() in SQL, for a DateField."""

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="('**-**-' || TO_CHAR(%(expressions)s, 'YYYY'))", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite dates as ISO text, `YYYY-MM-DD`.
        return self.as_sql(compiler, connection, template="('**-**-' || SUBSTR(%(expressions)s, 1, 4))", **extra)
