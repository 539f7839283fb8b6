"""Every time shown to a person, one way: in WIB (Asia/Jakarta, UTC+7, no daylight saving) with the zone named.

| where | function | example (Indonesian / English) |
|---|---|---|
| pages, e-mails, admin texts, commands | `format_wib(moment)`, the `{{ moment\\|wib }}` filter | `26 Feb 2021 12.00 WIB` / `26 Feb 2021 12.00 WIB` |
| joki cluster rows | `{{ moment\\|wib:"seconds" }}`, for a table `format_wib_many(moments, seconds=True)` | `26 Feb 2021 12.00.07 WIB` |
| deadlines for applicants | `format_wib(moment, weekday=True)`, `{{ moment\\|wib:"weekday" }}` | `Jumat, 26 Februari 2021 12.00 WIB` / `Friday, 26 February 2021 12.00 WIB` |
| files (CSV cells, JSON) | `iso_wib(moment)` | `2021-02-26T12:00:00+07:00` (ISO 8601, offset named) |

Month and weekday names follow the active language. The admin's own date columns use the same format through
`DATETIME_FORMAT` (prakerja/formats/<language>/formats.py), with TIME_ZONE = Asia/Jakarta. Programme deadlines are
announced in WIB (docs/DOMAIN.md), whatever the reader's or the server's zone.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils import formats

WIB = ZoneInfo("Asia/Jakarta")
# The pattern (Django date format syntax) before the zone; also prakerja/formats' DATETIME_FORMAT.
DAY_PATTERN = "j M Y"
PATTERN = DAY_PATTERN + " H.i"
WEEKDAY_PATTERN = "l, j F Y H.i"
SECONDS_PATTERN = DAY_PATTERN + " H.i.s"  # joki clusters: accounts made seconds apart
# The clock part of PATTERN / SECONDS_PATTERN in strftime's spelling (digits only: no language in it).
_CLOCK = {False: "%H.%M", True: "%H.%M.%S"}


def _aware(moment: dt.datetime | str) -> dt.datetime:
    # JSON records (a run's list versions) keep moments as ISO 8601 text; a naive value is a bug upstream.
    moment = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no zone to convert to WIB")
    return moment.astimezone(WIB)


def format_wib(moment: dt.datetime | str | None, *, weekday: bool = False, seconds: bool = False,
               empty: str = "-") -> str:
    """`moment` (an aware datetime, or ISO 8601 text with an offset) as people read it, in WIB with the zone
    named, month names in the active language; `weekday` adds the day and the full month name, `seconds` the
    seconds. None or "" gives `empty`. Raises ValueError for a naive datetime."""
    if moment is None or moment == "":
        return empty
    pattern = WEEKDAY_PATTERN if weekday else SECONDS_PATTERN if seconds else PATTERN
    return formats.date_format(_aware(moment), pattern) + " WIB"


def format_wib_many(moments: Iterable[dt.datetime | str | None], *, seconds: bool = False,
                    empty: str = "-") -> list[str]:
    """format_wib() of each moment (same text), for a table of many: the day, the only part in the active
    language, is formatted once per WIB day, and the clock appended (a page of a thousand times costs a few
    date formats instead of a thousand)."""
    days: dict[dt.date, str] = {}
    clock = _CLOCK[seconds]
    texts = []
    for moment in moments:
        if moment is None or moment == "":
            texts.append(empty)
            continue
        local = _aware(moment)
        day = days.get(local.date())
        if day is None:
            day = days[local.date()] = formats.date_format(local, DAY_PATTERN)
        texts.append(f"{day} {local.strftime(clock)} WIB")
    return texts


def iso_wib(moment: dt.datetime | None) -> str:
    """`moment` for files: ISO 8601 to the second with the +07:00 offset; None gives ""."""
    return _aware(moment).isoformat(timespec="seconds") if moment else ""
