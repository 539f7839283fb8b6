"""Indonesian identity numbers (NIK, KK) and phone numbers, as ../shared/DOMAIN.md defines them.

Pure functions with no database access, shared by the applicant forms and the exclusion-list loader.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# Valid province codes (Kemendagri): the first two digits of every NIK and KK number.
PROVINCE_CODES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "DI Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat", "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan", "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "75": "Gorontalo",
    "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara", "91": "Papua Barat", "92": "Papua Barat Daya",
    "93": "Papua Selatan", "94": "Papua", "95": "Papua Tengah", "96": "Papua Pegunungan",
}

_SEPARATORS = re.compile(r"[\s.]")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")  # ASCII only: \d would take "０" or "٣", which the database refuses


class IdentityError(ValueError):
    """Raised with a stable `code` ("format", "province", "birth_date", "serial") for the caller to word."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def clean_number(raw: str) -> str:
    """Strip the spaces and dots people type inside NIK and KK numbers; full-width digits become ASCII (NFKC)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


def _check_digits_and_province(number: str) -> None:
    if not _SIXTEEN_DIGITS.fullmatch(number):
        raise IdentityError("format")
    if number[:2] not in PROVINCE_CODES:
        raise IdentityError("province")


@dataclass(frozen=True)
class Nik:
    number: str
    birth_date: dt.date
    is_female: bool

    @property
    def province_code(self) -> str:
        return self.number[:2]

    @property
    def masked(self) -> str:
        return mask(self.number)


def parse_nik(raw: str, *, today: dt.date | None = None) -> Nik:
    """Validate a NIK (`PP RR DD ddmmyy ssss`) and decode its birth date.

    Women add 40 to the day. The century is the latest one that does not put the birth date in the
    future (relative to `today`). Raises IdentityError.
    """
    number = clean_number(raw)
    _check_digits_and_province(number)
    day, month, yy = int(number[6:8]), int(number[8:10]), int(number[10:12])
    is_female = day > 40
    if is_female:
        day -= 40
    today = today or dt.date.today()
    century = today.year // 100 * 100
    try:
        birth_date = dt.date(century + yy, month, day)
        if birth_date > today:
            birth_date = dt.date(century - 100 + yy, month, day)
    except ValueError:
        raise IdentityError("birth_date") from None
    if number[12:] == "0000":
        raise IdentityError("serial")
    return Nik(number=number, birth_date=birth_date, is_female=is_female)


def parse_kk(raw: str) -> str:
    """Validate a family-card number: 16 digits with a valid province prefix. Returns the digits."""
    number = clean_number(raw)
    _check_digits_and_province(number)
    return number


def is_valid_nik(number: str) -> bool:
    try:
        parse_nik(number)
    except IdentityError:
        return False
    return True


def mask(number: str) -> str:
    """`3201********0001`: prakerja.lib.privacy.mask_number, where the masks live (kept here for callers)."""
    from prakerja.lib.privacy import mask_number

    return mask_number(number)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
# Indonesian mobile numbers: 08xx / +628xx / 628xx, 9 to 12 digits after the leading 8's country prefix.
_MOBILE = re.compile(r"8[0-9]{8,11}")


def normalize_phone(raw: str) -> str:
    """Accept `08...`, `+628...` or `628...`; return E.164 (`+628...`). Raises IdentityError("phone")."""
    number = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if number.startswith("+62"):
        national = number[3:]
    elif number.startswith("62"):
        national = number[2:]
    elif number.startswith("0"):
        national = number[1:]
    else:
        raise IdentityError("phone")
    if not _MOBILE.fullmatch(national):
        raise IdentityError("phone")
    return "+62" + national
