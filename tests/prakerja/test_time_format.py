"""Every time shown to a person is formatted by prakerja.lib.timefmt: in WIB, zone named, months in the reader's
language, whatever the active time zone; files get ISO 8601 with +07:00."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import formats, timezone, translation

from prakerja.lib.timefmt import PATTERN, WIB, format_wib, iso_wib

UTC = dt.UTC
NOON_WIB = dt.datetime(2021, 2, 26, 5, 0, tzinfo=UTC)  # 12.00 WIB


@pytest.mark.parametrize(("language", "weekday", "expected"), [
    ("id", False, "26 Feb 2021 12.00 WIB"),
    ("en", False, "26 Feb 2021 12.00 WIB"),
    ("id", True, "Jumat, 26 Februari 2021 12.00 WIB"),
    ("en", True, "Friday, 26 February 2021 12.00 WIB"),
])
def test_it_names_the_zone_and_speaks_the_language(language, weekday, expected):
    with translation.override(language):
        assert format_wib(NOON_WIB, weekday=weekday) == expected


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Jayapura", "Asia/Jakarta"])
def test_it_shows_wib_whatever_the_active_or_source_zone(zone):
    with timezone.override(ZoneInfo(zone)), translation.override("id"):
        assert format_wib(NOON_WIB) == "26 Feb 2021 12.00 WIB"
        assert format_wib(NOON_WIB.astimezone(ZoneInfo(zone))) == "26 Feb 2021 12.00 WIB"


def test_it_crosses_the_date_line_into_the_wib_day():
    with translation.override("id"):
        assert format_wib(dt.datetime(2021, 8, 16, 17, 30, tzinfo=UTC)) == "17 Agu 2021 00.30 WIB"
        assert format_wib(dt.datetime(2021, 8, 16, 17, 30, 7, tzinfo=UTC), seconds=True) == "17 Agu 2021 00.30.07 WIB"


def test_it_reads_iso_text_from_json_records_and_shows_a_dash_for_nothing():
    with translation.override("id"):
        assert format_wib("2021-02-26T05:00:00+00:00") == "26 Feb 2021 12.00 WIB"  # stored in UTC by older runs
        assert format_wib("2021-02-26T12:00:00+07:00") == "26 Feb 2021 12.00 WIB"
        assert format_wib(None) == format_wib("") == "-"


def test_it_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        format_wib(dt.datetime(2021, 2, 26, 12, 0))


def test_files_get_iso_8601_with_the_wib_offset():
    assert iso_wib(NOON_WIB) == "2021-02-26T12:00:00+07:00"
    assert iso_wib(NOON_WIB.replace(microsecond=123456)) == "2021-02-26T12:00:00+07:00"
    assert iso_wib(None) == ""


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_filter_and_the_admins_datetime_format_are_the_same_format(language):
    with translation.override(language), timezone.override(WIB):
        rendered = Template('{{ t|wib }}|{{ t|wib:"weekday" }}|{{ t|wib:"seconds" }}').render(Context({"t": NOON_WIB}))
        assert rendered.split("|") == [format_wib(NOON_WIB), format_wib(NOON_WIB, weekday=True),
                                       format_wib(NOON_WIB, seconds=True)]
        # The admin shows datetimes with DATETIME_FORMAT in TIME_ZONE (Asia/Jakarta): the same text.
        assert formats.get_format("DATETIME_FORMAT") == PATTERN + r" \W\I\B"
        assert formats.localize(timezone.localtime(NOON_WIB)) == format_wib(NOON_WIB)


def test_the_server_zone_is_wib(settings):
    assert ZoneInfo(settings.TIME_ZONE).utcoffset(dt.datetime(2021, 2, 26)) == WIB.utcoffset(dt.datetime(2021, 2, 26))


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("seconds", [False, True])
def test_a_table_of_times_reads_as_each_time_alone(language, seconds):
    """format_wib_many formats each WIB day once: the text must be format_wib's, across days, months, midnight WIB
    and source zones, and None as the empty text."""
    from prakerja.lib.timefmt import format_wib_many

    start = dt.datetime(2021, 12, 31, 16, 59, 58, tzinfo=UTC)  # 23.59.58 WIB, then into the new year
    moments = [start + dt.timedelta(seconds=37 * n * n) for n in range(400)]
    moments += [moments[5].astimezone(ZoneInfo("America/New_York")), None, moments[0].isoformat()]
    with translation.override(language):
        assert format_wib_many(moments, seconds=seconds) == [format_wib(m, seconds=seconds) for m in moments]
