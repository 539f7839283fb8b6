"""Indonesian identity rules, each in one place: NIK, KK, phone numbers, e-mail inboxes, province codes.

Pure functions with no database access (docs/DOMAIN.md, "Identity numbers"). Every other module checks or
normalises these values through this one:
- NIK and KK numbers: `parse_nik`, `parse_kk`, and for callers that only need a yes/no with a reason
  (the exclusion-list loader, staff look-ups) `nik_problem`, `kk_problem`. The whole NIK rule is one regular
  expression, NIK_PATTERN, which the list loader's whole-chunk fast path embeds as it is: the fast path and
  the form can therefore never disagree (tests/prakerja/test_identity_nik.py runs both over generated edge cases).
- phone numbers: `normalize_phone` (E.164, `+62...`), for applicant profiles and complaint targets alike.
- e-mail inboxes: `canonical_email`, the form that decides whether two addresses are one inbox.
- province codes and names: PROVINCE_CODES.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# Province codes and names: Keputusan Menteri Dalam Negeri Nomor 300.2.2-2138 Tahun 2025 tentang Pemberian dan
# Pemutakhiran Kode, Data Wilayah Administrasi Pemerintahan, dan Pulau. The first two digits of every NIK and KK.
#
# The six Papua codes follow the provinces created in 2022 (UU 14, 15, 16 and 29 of 2022): 91 Papua,
# 92 Papua Barat, 93 Papua Selatan, 94 Papua Tengah, 95 Papua Pegunungan, 96 Papua Barat Daya.
# A NIK keeps the code of the province that issued it; it is not reissued when a province is split. A
# resident of Merauke registered before the 2022 split has a 91 (Papua) NIK although Merauke is now in
# Papua Selatan (93), and one of Sorong has a 92 (Papua Barat) NIK although Sorong is now in Papua Barat
# Daya (96). So "province" in reports (NIK digits 1-2) is the province that issued the NIK, not where the
# applicant lives today.
PROVINCE_CODES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "DI Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat", "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan", "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "75": "Gorontalo",
    "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara", "91": "Papua", "92": "Papua Barat",
    "93": "Papua Selatan", "94": "Papua Tengah", "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}


def province_name(number: str) -> str:
    """The name of the province that issued a NIK or KK (its first two digits); "" for an unknown code."""
    return PROVINCE_CODES.get((number or "")[:2], "")


# --- NIK and KK ----------------------------------------------------------------------------------------

_PROVINCE = "(?:" + "|".join(sorted(PROVINCE_CODES)) + ")"
# Look-aheads rather than alternations: measured on the list loader's whole-chunk match, the alternations
# cost about 0.2 us more a line (2 s of CPU on a 10-million-row file).
_NOT_00 = "(?!00)[0-9]{2}"  # a regency/city or district code is 01-99
_REGION = _PROVINCE + _NOT_00 + _NOT_00
# The birth date `ddmmyy`; women add 40 to the day. The date must exist in the year 20yy (the same calendar
# as 19yy except for yy = 00, where 2000 was a leap year and 1900 not: a NIK's 29-02-00 is 2000, as every
# birth date in 2000 is in the past).
_YY = "[0-9]{2}"
_LEAP_YY = "(?:[02468][048]|[13579][26])"
_MONTHS_30 = "(?:0[13-9]|1[0-2])"  # every month but February has a 29th and a 30th
_MONTHS_31 = "(?:0[13578]|1[02])"
_DATE = (
    "(?:"
    f"(?:0[1-9]|1[0-9]|2[0-8]|4[1-9]|5[0-9]|6[0-8])(?:0[1-9]|1[0-2]){_YY}"
    f"|(?:29|69)(?:{_MONTHS_30}{_YY}|02{_LEAP_YY})"
    f"|(?:30|70){_MONTHS_30}{_YY}"
    f"|(?:31|71){_MONTHS_31}{_YY}"
    ")"
)
_SERIAL = "(?!0000)[0-9]{4}"  # 0001-9999
# The whole NIK rule (16 ASCII digits `PP RR DD ddmmyy ssss`) as one regular expression, without groups or
# anchors, so that it can be embedded in a larger pattern (the list loader's whole-chunk match).
NIK_PATTERN = _REGION + _DATE + _SERIAL
# A KK number: 16 ASCII digits with the same region prefix; digits 7-12 are the card's issue date, 13-16 a serial.
KK_PATTERN = _REGION + "[0-9]{10}"
_NIK = re.compile(NIK_PATTERN)
_KK = re.compile(KK_PATTERN)

_SEPARATORS = re.compile(r"[\s.]")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")  # ASCII only: \d would take "٣", which the database refuses


class IdentityError(ValueError):
    """Raised with a stable `code` for the caller to word.

    NIK and KK: "empty", "format" (not 16 digits), "province", "region" (regency or district 00),
    "birth_date" (NIK only: not a real date), "serial" (NIK only: 0000). Phone: "phone".
    """

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def clean_number(raw: str) -> str:
    """Strip the spaces and dots people type inside NIK and KK numbers; full-width digits become ASCII (NFKC)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


def _region_problem(number: str) -> str | None:
    if not number:
        return "empty"
    if not _SIXTEEN_DIGITS.fullmatch(number):
        return "format"
    if number[:2] not in PROVINCE_CODES:
        return "province"
    if number[2:4] == "00" or number[4:6] == "00":
        return "region"
    return None


def nik_problem(number: str) -> str | None:
    """None when `number` (already cleaned: see clean_number) is a valid NIK, else the IdentityError code.

    Valid means NIK_PATTERN matches: 16 ASCII digits, a province code of PROVINCE_CODES, regency and
    district 01-99, a real date `ddmmyy` (women +40), serial 0001-9999. Fast for valid numbers (one match).
    """
    if _NIK.fullmatch(number):
        return None
    problem = _region_problem(number)
    if problem:
        return problem
    if number[12:] == "0000":
        return "serial"
    return "birth_date"


def kk_problem(number: str) -> str | None:
    """None when `number` (already cleaned) is a valid KK number, else the IdentityError code."""
    if _KK.fullmatch(number):
        return None
    return _region_problem(number) or "format"


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
    """Validate a NIK (`PP RR DD ddmmyy ssss`, spaces and dots ignored) and decode its birth date.

    Women add 40 to the day. The century is the latest one that does not put the birth date in the
    future (relative to `today`, default the server's date). Raises IdentityError (see its codes).
    """
    number = clean_number(raw)
    problem = nik_problem(number)
    if problem:
        raise IdentityError(problem)
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
    except ValueError:  # 29-02-00 from 2100 on (2100 is no leap year): not reachable before then
        raise IdentityError("birth_date") from None
    return Nik(number=number, birth_date=birth_date, is_female=is_female)


def parse_kk(raw: str) -> str:
    """Validate a family-card number (spaces and dots ignored): 16 digits, a valid province code, regency
    and district 01-99. Returns the 16 digits; raises IdentityError."""
    number = clean_number(raw)
    problem = kk_problem(number)
    if problem:
        raise IdentityError(problem)
    return number


def is_valid_nik(number: str) -> bool:
    return nik_problem(clean_number(number)) is None


def mask(number: str) -> str:
    """`3201********0001`: prakerja.lib.privacy.mask_number, where the masks live (kept here for callers)."""
    from prakerja.lib.privacy import mask_number

    return mask_number(number)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- Phone numbers -------------------------------------------------------------------------------------

# What people put between digits: spaces (also no-break ones), dots, dashes, slashes and parentheses.
_PHONE_SEPARATORS = re.compile(r"[\s\-./()]")
# `+62 (0)812...`: the trunk 0 written in parentheses after the country code, which is not dialled.
_TRUNK_ZERO = re.compile(r"^(\+|00)?\s*62[\s\-.]*\(0\)")
# Indonesian mobile numbers (national significant number): 8, then 8 to 11 digits.
_MOBILE = re.compile(r"8[0-9]{8,11}")
# Any Indonesian number (mobile or fixed line with its area code): 7 to 12 digits, not starting with 0.
_NATIONAL = re.compile(r"[1-9][0-9]{6,11}")
# Another country's number, in E.164: country code and number, 8 to 15 digits in all.
_INTERNATIONAL = re.compile(r"[1-9][0-9]{7,14}")


def normalize_phone(raw: str, *, mobile_only: bool = True) -> str:
    """An Indonesian phone number as E.164 (`+628123456789`). Raises IdentityError("phone").

    Accepts the ways people write one: `0812...`, `62812...`, `+62812...`, `0062812...` (the international
    prefix), `+62 (0)812...` and `+62 0812...` (the trunk 0 after the country code), with spaces, dots, dashes, slashes or parentheses anywhere, and full-width or other Unicode digits that
    NFKC folds to ASCII. `mobile_only` (applicant profiles) accepts mobile numbers only (`8` then 8-11
    digits); without it (complaint targets) a fixed-line number is accepted too, and a number written with
    another country's code (`+60 12...`, `0060...`) is kept as that E.164 number.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = _TRUNK_ZERO.sub(lambda match: (match.group(1) or "") + "62", text)
    number = _PHONE_SEPARATORS.sub("", text)
    international = number.startswith(("+", "00"))
    number = number.removeprefix("+")
    if number.startswith("00"):
        number = number[2:]
    if not number.isascii() or not number.isdigit():
        raise IdentityError("phone")
    if number.startswith("62") and (international or len(number) >= 10):
        national = number[2:]
    elif international:
        if mobile_only or not _INTERNATIONAL.fullmatch(number):
            raise IdentityError("phone")
        return "+" + number
    elif number.startswith("0"):
        national = number
    else:
        raise IdentityError("phone")  # `812...`: no prefix says which country it is in
    if national.startswith("0"):
        national = national[1:]  # the trunk prefix: 0812... or +62 0812...
    if not (_MOBILE if mobile_only else _NATIONAL).fullmatch(national):
        raise IdentityError("phone")
    return "+62" + national


# --- E-mail inboxes ------------------------------------------------------------------------------------

# Providers whose inboxes ignore dots in the local part, and the domain they are one inbox under
# (Google: "Gmail doesn't recognize dots as characters within usernames"; googlemail.com is the same inbox).
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_email(address: str) -> str:
    """The inbox an address delivers to, for deciding whether two addresses are one (accounts, rate limits).

    Lower case; a `+tag` after the local part is dropped for every provider (`ali+prakerja@x.id` is
    `ali@x.id`); for gmail.com and googlemail.com dots in the local part are ignored and googlemail.com
    becomes gmail.com. Not an address to send to: mail goes to the address as typed. An input without `@`
    is returned lower-cased and stripped.
    """
    text = unicodedata.normalize("NFKC", address or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
        domain = _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"
