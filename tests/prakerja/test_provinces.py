"""Province codes and names as Kepmendagri 300.2.2-2138/2025 lists them (prakerja.lib.identity.PROVINCE_CODES)."""
from __future__ import annotations

from prakerja.lib.identity import PROVINCE_CODES, nik_problem, province_name

DECREE = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta",
    "35": "Jawa Timur", "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan", "64": "Kalimantan Timur",
    "65": "Kalimantan Utara", "71": "Sulawesi Utara", "72": "Sulawesi Tengah", "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah", "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}


def test_it_lists_every_province_of_the_decree_with_its_name():
    assert PROVINCE_CODES == DECREE
    assert len(PROVINCE_CODES) == 38


def test_it_names_the_province_that_issued_a_nik():
    # A Merauke resident registered before the 2022 split keeps a 91 (Papua) NIK: the issuing province.
    assert province_name("9101014112900001") == "Papua"
    assert province_name("9301014112900001") == "Papua Selatan"
    assert province_name("9701014112900001") == "" and province_name("") == ""


def test_it_accepts_a_nik_of_every_province_and_no_other_code():
    for code in (f"{n:02}" for n in range(100)):
        assert (nik_problem(code + "01014112900001") is None) == (code in DECREE), code
