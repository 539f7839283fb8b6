"""Input longer than its column is refused on the form with a message, never sent to the database.

SQLite does not enforce varchar lengths, PostgreSQL does (DataError, a 500): these tests matter on PostgreSQL.
"""
from __future__ import annotations

import pytest
from django.urls import reverse

from complaints import services
from complaints.addresses import MAX_ADDRESS_LENGTH, AddressTooLong, TargetKind, normalise_address
from complaints.models import Complaint, ReportedTarget
from tests.complaints.helpers import complaint_data

pytestmark = pytest.mark.django_db

TOO_LONG = (
    "This address is too long: even without “https://”, “www.” and the rest of the link it is over 255 "
    "characters. Give only the site's address (e.g. prakerja-daftar.com) or the short link (e.g. bit.ly/abc)."
)
# A shortener's slug is kept (it names the site): 7 + 400 = 407 characters once normalised.
LONG_SHORT_LINK = "https://bit.ly/" + "a" * 400
# Six 60-letter labels: a 369-character host, longer than DNS allows (253) and than the column (255).
LONG_HOST = "https://" + ".".join(["a" * 60] * 6) + ".com/login"


def _post(client, **overrides):
    return client.post(reverse("complaints:new"), complaint_data(**overrides))


def _nothing_stored() -> bool:
    return not Complaint.objects.exists() and not ReportedTarget.objects.exists()


@pytest.mark.parametrize("address", [LONG_SHORT_LINK, LONG_HOST])
def test_it_refuses_a_web_address_too_long_to_store(en_client, address):
    response = _post(en_client, address=address)

    assert response.status_code == 200
    assert response.context["form"].errors["address"] == [TOO_LONG]
    assert _nothing_stored()


def test_it_refuses_it_in_the_default_language_too(client):
    response = _post(client, kind=Complaint.Kind.OTHER, address=LONG_SHORT_LINK)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["address"]
    assert _nothing_stored()


def test_it_keeps_only_the_host_of_a_long_link_to_an_ordinary_site(client):
    response = _post(client, address="https://www.prakerja-daftar.com/" + "daftar/" * 50 + "?ref=" + "x" * 50)

    assert response.status_code == 302
    target = ReportedTarget.objects.get()
    assert (target.kind, target.address) == (TargetKind.WEBSITE, "prakerja-daftar.com")
    assert len(Complaint.objects.get().address_as_reported) > MAX_ADDRESS_LENGTH


def test_it_accepts_a_short_link_exactly_as_long_as_the_column(client):
    address = "bit.ly/" + "b" * (MAX_ADDRESS_LENGTH - len("bit.ly/"))

    assert _post(client, address=address).status_code == 302
    assert ReportedTarget.objects.get().address == address


def test_it_refuses_an_email_that_grows_past_its_column_when_lowercased(en_client):
    # "İ".lower() is two characters in Python: a 194-character address becomes 374 once lowercased.
    email = "pelapor@" + ".".join(["İ" * 60] * 3) + ".com"

    response = _post(en_client, reporter_email=email)

    assert response.status_code == 200
    assert response.context["form"].errors["reporter_email"] == [
        "Enter a valid e-mail address, e.g. nama@contoh.com."]
    assert _nothing_stored()


@pytest.mark.parametrize("address", [LONG_SHORT_LINK, LONG_HOST])
def test_normalisation_refuses_a_value_longer_than_the_column(address):
    with pytest.raises(AddressTooLong):
        normalise_address(address)


def test_an_account_name_is_still_cut_to_the_column():
    address = normalise_address("joki " * 100)

    assert (address.kind, len(address.value)) == (TargetKind.ACCOUNT, MAX_ADDRESS_LENGTH)


@pytest.mark.parametrize("address", [LONG_SHORT_LINK, "prakerja-daftar.com/" + "x" * 500])
def test_the_service_refuses_an_address_too_long_to_store(address):
    with pytest.raises(AddressTooLong):
        services.file_complaint(kind=Complaint.Kind.FAKE_WEBSITE, address=address, description="Penipuan.",
                                reporter_email="pelapor@example.com")

    assert _nothing_stored()
