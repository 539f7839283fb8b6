"""Whole numbers as staff type them: separators only between groups of three digits, anything else refused."""
import pytest
from django.utils import translation

from prakerja.lib.numbers import CountField, NumberError, parse_count


@pytest.mark.parametrize("text", ["600000", "600.000", "600,000", "600 000", "600_000", "600\u00a0000",
                                  "600\u202f000", " 600.000 "])
def test_it_reads_every_grouping_of_six_hundred_thousand(text):
    assert parse_count(text) == 600_000


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("1.000", 1000), ("1.000.000", 1_000_000),
                                             ("12", 12), ("4,812,330", 4_812_330)])
def test_it_reads_plain_and_grouped_numbers(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["1.5", "600.00", "6.00.000", "1.0000", "1.000,000", ".000", "1.", "-5", "+5",
                                  "1e3", "", "dua", "٣٠٠", "1 000.000", "1,5"])
def test_it_refuses_anything_else(text):
    with pytest.raises(NumberError):
        parse_count(text)


def test_its_refusal_names_the_value_in_both_languages():
    with pytest.raises(NumberError) as caught:
        parse_count("600.00")
    indonesian, english = caught.value.bilingual().split(" / ")
    assert indonesian.startswith("“600.00” bukan bilangan bulat: tulis sebagai 600000 atau 600.000")
    assert english.startswith("“600.00” is not a whole number: write it as 600000 or 600.000")


@pytest.mark.parametrize(("language", "shown"), [("id", "600.000"), ("en", "600,000")])
def test_the_field_shows_a_count_grouped_in_the_page_language(language, shown):
    with translation.override(language):
        assert CountField().prepare_value(600_000) == shown


@pytest.mark.parametrize("text", ["-5", "-600.000", " -1 ", "\u22125"])
def test_it_says_a_negative_number_must_be_positive(text):
    with pytest.raises(NumberError) as caught:
        parse_count(text)
    indonesian, english = caught.value.bilingual().split(" / ")
    assert "bilangan bulat positif" in indonesian and "bukan bilangan bulat:" not in indonesian
    assert "positive whole number" in english and "is not a whole number" not in english
