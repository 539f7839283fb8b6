"""The "is your result wrong?" page mentions the appeal, which the PMO decides, with its link while the appeal
window is open and a list reason is not appealed yet; afterwards only the agencies and the NIK misuse report."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Appeal
from tests.aftercare.conftest import ineligible_in_wave_20

pytestmark = pytest.mark.django_db


@pytest.fixture
def ineligible(applicant, settings):
    settings.APPEAL_WINDOW_DAYS = 3
    return ineligible_in_wave_20(applicant)


def _page(client, language="id") -> str:
    return client.get(reverse("complaints:result_wrong", args=[20]), HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.parametrize(("language", "words"), [("id", "Namun PMO memutuskan sanggahan"),
                                                 ("en", "The PMO does decide appeals")])
def test_it_offers_the_appeal_while_the_window_is_open(client, applicant, ineligible, language, words):
    client.force_login(applicant.user)
    page = _page(client, language)
    assert words in page and reverse("aftercare:appeal", args=[20]) in page


def test_it_does_not_offer_it_after_the_window(client, applicant, ineligible):
    client.force_login(applicant.user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, hours=1)):
        page = _page(client)
    assert "sanggahan" not in page and reverse("aftercare:appeal", args=[20]) not in page
    assert 'id="nik-misuse-link"' in page


def test_it_does_not_offer_it_once_every_list_reason_is_appealed(client, applicant, ineligible):
    Appeal.objects.create(registration=ineligible, reason="asn", statement="Bukan ASN.")
    client.force_login(applicant.user)
    assert reverse("aftercare:appeal", args=[20]) not in _page(client)


def test_it_does_not_offer_it_when_appeals_are_off(client, applicant, ineligible, settings):
    settings.APPEAL_WINDOW_DAYS = 0
    client.force_login(applicant.user)
    assert reverse("aftercare:appeal", args=[20]) not in _page(client)
