"""The one phone normaliser (prakerja.lib.identity.normalize_phone), for profiles and complaint targets."""
from __future__ import annotations

import pytest

from prakerja.lib.identity import IdentityError, normalize_phone

# Every way people write one Indonesian mobile number.
SPELLINGS = [
    "082271501234", "0822 7150 1234", "0822-7150-1234", "0822.7150.1234", "(0822) 7150-1234", "0822/7150/1234",
    "6282271501234", "62 822 7150 1234", "+6282271501234", "+62 822-7150-1234", "+62.822.7150.1234",
    "+62 (0)822-7150-1234", "+62(0)82271501234", "62 (0) 822 7150 1234", "+62 0822 7150 1234", "620822 7150 1234",
    "0062 822 7150 1234", "+62-822-7150-1234", " +62 822 7150 1234 ", "+62\u00a0822\u00a07150\u00a01234",
    "０８２２ ７１５０ １２３４",  # full-width digits (NFKC)
    "＋６２ ８２２ ７１５０ １２３４",
]


@pytest.mark.parametrize("raw", SPELLINGS)
@pytest.mark.parametrize("mobile_only", [True, False])
def test_it_reads_every_spelling_of_a_mobile_number_as_one_e164_number(raw, mobile_only):
    assert normalize_phone(raw, mobile_only=mobile_only) == "+6282271501234"


@pytest.mark.parametrize(("raw", "e164"), [
    ("0812 345 678", "+62812345678"),  # the shortest mobile numbers (8 + 8 digits)
    ("0812 3456 7890 1", "+62812345678901"),  # the longest (8 + 11 digits)
])
def test_it_accepts_mobile_numbers_of_every_length(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", [
    "", "   ", "0812 345 67", "0812 3456 7890 123", "021 555 1234", "+62 21 555 1234", "822 7150 1234",
    "+1 415 555 0100", "0060 12 345 6789", "0822 7150 123a", "٠٨٢٢٧١٥٠١٢٣٤", "+62 (1)822 7150 1234",
    "++62 822 7150 1234", "0822 7150 1234 ext 5",
])
def test_it_refuses_what_is_not_an_indonesian_mobile_number_for_a_profile(raw):
    with pytest.raises(IdentityError) as error:
        normalize_phone(raw)
    assert error.value.code == "phone"


@pytest.mark.parametrize(("raw", "e164"), [
    ("021 555 1234", "+62215551234"),  # Jakarta fixed line
    ("+62 21 555 1234", "+62215551234"),
    ("(0274) 512 345", "+62274512345"),  # Yogyakarta
    ("+60 12-345 6789", "+60123456789"),  # Malaysia
    ("0060 12 345 6789", "+60123456789"),
    ("+1 415 555 0100", "+14155550100"),
])
def test_it_keeps_fixed_lines_and_foreign_numbers_for_complaint_targets(raw, e164):
    assert normalize_phone(raw, mobile_only=False) == e164


@pytest.mark.parametrize("raw", ["021 555", "+1 415", "822 7150 1234", "0822 7150 123a", "+0 822 7150 1234"])
def test_it_refuses_what_is_no_phone_number_for_complaint_targets(raw):
    with pytest.raises(IdentityError):
        normalize_phone(raw, mobile_only=False)
