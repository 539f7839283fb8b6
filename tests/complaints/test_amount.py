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


def test_staff_read_the_amount_with_thousands_grouped(client, staff):
    from complaints.models import Complaint
    from complaints.services import file_complaint
    from django.urls import reverse

    from complaints.forms import ComplaintForm
    from tests.complaints.helpers import complaint_data

    form = ComplaintForm(data=complaint_data(amount_lost="Rp 1.500.000"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount_lost"] == 1_500_000
    complaint = file_complaint(**{k: v for k, v in form.cleaned_data.items() if k in {
        "kind", "address", "description", "loss", "amount_lost", "reporter_email", "reporter_phone"}},
        evidence=[], police_report=None, language="id")
    client.force_login(staff)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]),
                      HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Rp 1.500.000" in page
    assert Complaint.objects.get(pk=complaint.pk).amount_lost == 1_500_000
