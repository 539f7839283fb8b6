"""The official site (settings.OFFICIAL_SITE_URL) cannot be reported as a fake site, however its address is typed;
look-alikes still can."""
from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint, ReportedTarget
from tests.complaints.helpers import complaint_data

pytestmark = pytest.mark.django_db

OFFICIAL = ["https://www.prakerja.go.id/daftar", "prakerja.go.id", "HTTP://WWW.PRAKERJA.GO.ID", "www.prakerja.go.id/",
            "https://dashboard.prakerja.go.id/masuk", "prakerja.go.id.", "https://prakerja.go.id:443/?ref=wa"]


@pytest.fixture(autouse=True)
def _official(settings):
    settings.OFFICIAL_SITE_URL = "https://www.prakerja.go.id"


@pytest.mark.parametrize("address", OFFICIAL)
@pytest.mark.parametrize(("language", "message"), [("id", "Ini alamat resmi Prakerja, bukan situs palsu."),
                                                   ("en", "This is the official Prakerja address, not a fake site.")])
def test_it_refuses_the_official_site_as_a_fake_site(client, address, language, message):
    response = client.post(reverse("complaints:new"), complaint_data(address=address),
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response.context["form"].errors["address"] == [message]
    assert message in response.content.decode()
    assert not Complaint.objects.exists() and not ReportedTarget.objects.exists()


@pytest.mark.parametrize("address", ["prakerja.go.id.daftar-online.com", "prakerja-go-id.com", "https://prakerjago.id",
                                     "https://www.prakerja.go.id.example.com/daftar"])
def test_it_accepts_a_look_alike(client, address):
    assert client.post(reverse("complaints:new"), complaint_data(address=address)).status_code == 302
    assert Complaint.objects.count() == 1


def test_it_follows_the_setting(client, settings):
    settings.OFFICIAL_SITE_URL = "https://prakerja.example.org/"
    refused = client.post(reverse("complaints:new"), complaint_data(address="www.prakerja.example.org/daftar"))
    assert "address" in refused.context["form"].errors
    assert client.post(reverse("complaints:new"), complaint_data(address="prakerja.go.id")).status_code == 302
