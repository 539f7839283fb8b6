"""The warning page: the official address, that registration is free, the signs of a fake site, what joki are,
and the way to the complaint form; linked from every page's footer."""
from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_lists_the_official_address_and_the_signs(en_client, settings):
    settings.OFFICIAL_SITE_URL = "https://www.prakerja.go.id"

    page = en_client.get(reverse("complaints:warning")).content.decode()

    assert "https://www.prakerja.go.id" in page
    assert "Registration is free" in page
    for sign in ("OTP", "password", "WhatsApp", "blogspot.com", ".com, .net", "money"):
        assert sign in page
    assert "What joki are" in page
    assert f'href="{reverse("complaints:new")}"' in page


def test_it_is_in_indonesian_by_default(client):
    page = client.get(reverse("complaints:warning")).content.decode()
    assert "Waspada" in page and "gratis" in page


def test_it_is_linked_from_the_footer_of_the_complaint_pages(client):
    for name in ("complaints:new", "complaints:status", "complaints:warning"):
        page = client.get(reverse(name)).content.decode()
        assert f'href="{reverse("complaints:warning")}"' in page
        assert f'href="{reverse("complaints:new")}"' in page
