"""The one NIK/KK rule (prakerja.lib.identity), over its whole kind of input, and the list loader's fast
path, which must accept exactly what the rule accepts."""
from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest

from eligibility.lists.files import LineReader, ListLayout, check_number
from prakerja.lib.identity import (
    PROVINCE_CODES, IdentityError, kk_problem, nik_problem, parse_kk, parse_nik,
)

TODAY = dt.date(2026, 11, 30)


def reference_problem(number: str) -> str | None:
    """The rule of docs/DOMAIN.md written out plainly with datetime, to check the regular expression by."""
    if len(number) != 16 or not number.isascii() or not number.isdigit():
        return "format"
    if number[:2] not in PROVINCE_CODES:
        return "province"
    if number[2:4] == "00" or number[4:6] == "00":
        return "region"
    if number[12:] == "0000":
        return "serial"
    day, month, yy = int(number[6:8]), int(number[8:10]), int(number[10:12])
    day -= 40 if day > 40 else 0
    try:
        dt.date(2000 + yy, month, day)  # 19yy has the same calendar, bar 1900 (no 29-02-00 from then)
    except ValueError:
        return "birth_date"
    return None


def test_it_accepts_exactly_the_real_dates_of_every_day_month_and_year():
    # Every ddmmyy with dd 00-99, mm 00-13: 140,000 birth dates, men's and women's, leap years and not.
    for day, month, yy in itertools.product(range(100), range(14), range(100)):
        number = f"320101{day:02}{month:02}{yy:02}0001"
        assert nik_problem(number) == reference_problem(number), number


@pytest.mark.parametrize("region", ["3201 01", "3200 01", "3201 00", "0001 01", "9901 01", "2001 01", "9699 99",
                                    "1101 01", "9101 01", "9701 01"])
@pytest.mark.parametrize("serial", ["0000", "0001", "0010", "0100", "1000", "9999"])
def test_it_checks_region_and_serial(region, serial):
    number = region.replace(" ", "") + "411290" + serial
    assert nik_problem(number) == reference_problem(number)


@pytest.mark.parametrize(("raw", "code"), [
    ("", "empty"), ("32010141129000", "format"), ("32010141129000011", "format"), ("3201a14112900001", "format"),
    ("٣٢٠١٠١٤١١٢٩٠٠٠٠١", "format"),  # Arabic-Indic digits: NFKC leaves them, the database would refuse them
    ("0001014112900001", "province"), ("2001014112900001", "province"), ("9701014112900001", "province"),
    ("3200014112900001", "region"), ("3201004112900001", "region"),
    ("3201013102900001", "birth_date"), ("3201017102900001", "birth_date"),  # 31 Feb, a man's and a woman's
    ("3201012902910001", "birth_date"), ("3201010001900001", "birth_date"), ("3201013513900001", "birth_date"),
    ("3201014112900000", "serial"),
])
def test_it_refuses_each_kind_of_bad_nik_with_its_code(raw, code):
    with pytest.raises(IdentityError) as error:
        parse_nik(raw, today=TODAY)
    assert error.value.code == code


@pytest.mark.parametrize(("raw", "born", "female"), [
    ("3201014112900001", dt.date(1990, 12, 1), True),
    ("3201010112900001", dt.date(1990, 12, 1), False),
    ("3201 0101.1290 0001", dt.date(1990, 12, 1), False),
    ("３２０１０１０１１２９００００１", dt.date(1990, 12, 1), False),  # full-width digits fold to ASCII
    ("3201016902000001", dt.date(2000, 2, 29), True),  # 29 Feb 2000, a leap year
    ("3201012902960001", dt.date(1996, 2, 29), False),
    ("3201013012260001", dt.date(1926, 12, 30), False),  # 30-12-26 would be in the future: the century before
    ("3201013011260001", dt.date(2026, 11, 30), False),  # today
    ("9601017112050001", dt.date(2005, 12, 31), True),  # Papua Barat Daya
])
def test_it_decodes_the_birth_date_and_sex(raw, born, female):
    nik = parse_nik(raw, today=TODAY)
    assert (nik.birth_date, nik.is_female, len(nik.number)) == (born, female, 16)


@pytest.mark.parametrize(("raw", "code"), [
    ("3201010101200001", None), ("3201 0101 0120 0001", None), ("3201019999999999", None),  # digits 7-16 free
    ("", "empty"), ("320101010120000", "format"), ("0001010101200001", "province"),
    ("3200010101200001", "region"), ("3201000101200001", "region"),
])
def test_it_checks_a_kk_number(raw, code):
    if code is None:
        assert parse_kk(raw) == raw.replace(" ", "")
    else:
        with pytest.raises(IdentityError) as error:
            parse_kk(raw)
        assert error.value.code == code


def _edge_case_niks() -> list[str]:
    """Valid and invalid NIKs along every boundary of the rule."""
    regions = ["3201 01", "3200 01", "3201 00", "0001 01", "1101 99", "9699 01", "9701 01", "2001 01"]
    dates = ["011290", "411290", "310190", "710190", "300490", "310490", "700490", "710490", "290200", "690200",
             "290201", "290204", "290296", "290298", "280201", "680201", "000190", "400190", "320190", "720190",
             "011390", "010090", "999999"]
    serials = ["0000", "0001", "9999", "0100"]
    niks = [r.replace(" ", "") + d + s for r, d, s in itertools.product(regions, dates, serials)]
    return niks + ["32010141129000", "3201a14112900001", "32010141129000011"]


@pytest.mark.parametrize("kk_column", [False, True])
def test_the_list_loaders_fast_path_accepts_exactly_what_the_rule_accepts(kk_column):
    # One line at a time through the whole-chunk regex: it may accept a line only if the rule does.
    header = b"nik,kk,nama\n" if kk_column else b"nik,nama\n"
    layout = ListLayout(nik_index=0, kk_index=1 if kk_column else None, delimiter=",",
                        data_offset=len(header), size=0)
    reader = LineReader(io.BytesIO(header), layout, io.StringIO())
    for nik in _edge_case_niks():
        line = f"{nik},3201010101200001,Siti\n" if kk_column else f"{nik},Siti\n"
        fast = reader._plain_chunk.fullmatch(line.encode()) is not None
        assert fast == (check_number(nik)[1] is None) == (nik_problem(nik) is None), nik
    if kk_column:
        for kk in ["3201010101200001", "3200010101200001", "0001010101200001", "320101010120000", ""]:
            line = f"3201014112900001,{kk},Siti\n".encode()
            fast = reader._plain_chunk.fullmatch(line) is not None
            assert fast == (kk == "" or kk_problem(kk) is None), kk
