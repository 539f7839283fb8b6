"""The money lost, as Indonesians write an amount in rupiah."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from complaints.forms import RupiahField


@pytest.mark.parametrize(("typed", "rupiah"), [
    ("1500000", 1_500_000), ("1.500.000", 1_500_000), ("Rp 1.500.000", 1_500_000), ("Rp1.500.000,00", 1_500_000),
    ("rp. 250.000", 250_000), ("Rp\u00a075.000", 75_000), (" 500 ", 500), ("0", 0),
])
def test_it_reads_the_ways_people_write_rupiah(typed, rupiah):
    assert RupiahField(required=False, min_value=0).clean(typed) == rupiah


@pytest.mark.parametrize("typed", ["1,5 juta", "1.50.000", "-5", "Rp", "1 500 000", "abc"])
def test_it_refuses_what_is_not_one_amount(typed):
    with pytest.raises(ValidationError):
        RupiahField(required=False, min_value=0).clean(typed)
