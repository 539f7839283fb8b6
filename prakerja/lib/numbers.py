"""Whole numbers as staff and operators type them, in one place: `parse_count` and its form field `CountField`.

The site shows counts grouped the Indonesian way (600.000), so staff type them that way; Django's IntegerField
reads "1.000" as the decimal 1.000 and saves 1. Here a dot, a comma, a space or an underscore separates groups of
three digits and is nothing else: "600.000", "600,000", "600 000", "600_000" and "600000" are all 600000, while
"1.5", "600.00" and "6.00.000" are refused, never guessed at.
"""
from __future__ import annotations

import re

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from prakerja.lib.messages import TranslatableError

# Either plain digits, or 1-3 digits then groups of exactly three, every group after the same separator.
# Spaces include the no-break spaces a copied figure brings along (U+00A0, U+202F).
_COUNT = re.compile(r"[0-9]+|[0-9]{1,3}(?P<sep>[.,_ \u00a0\u202f])[0-9]{3}(?:(?P=sep)[0-9]{3})*")


class NumberError(TranslatableError, ValueError):
    """A text that is not a whole number written with separators only between groups of three digits."""


NOT_A_COUNT = _("“%(value)s” is not a whole number: write it as 600000 or 600.000 (a dot, comma or space only "
                "between groups of three digits).")
# A minus sign (ASCII or U+2212, as a copied figure may carry) before an otherwise readable number: say what is
# wrong with it rather than "not a whole number", which reads as if the digits were the problem.
_MINUS = ("-", "\u2212")
NEGATIVE = _("“%(value)s” is negative: write a positive whole number, such as 600000 or 600.000.")


def parse_count(text: str) -> int:
    """The whole number (>= 0) in `text`, surrounding whitespace ignored. Raises NumberError otherwise."""
    value = (text or "").strip()
    if not _COUNT.fullmatch(value):
        if value.startswith(_MINUS) and _COUNT.fullmatch(value[1:].lstrip()):
            raise NumberError(NEGATIVE, value=value)
        raise NumberError(NOT_A_COUNT, value=value)
    return int(re.sub(r"[^0-9]", "", value))


class CountField(forms.CharField):
    """A form field for a whole number read by `parse_count`; shown grouped in the page's language (600.000).

    A text input, not type=number: a browser's number input drops "600,000" and "600 000" before they are sent.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return formats.number_format(value, force_grouping=True)
        return value

    def to_python(self, value) -> int | None:
        if isinstance(value, int):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_count(value)
        except NumberError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
