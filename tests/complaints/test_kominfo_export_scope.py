"""The Kominfo blocking export holds only fake sites staff confirmed, and never the official site (or any of its
subdomains), however often it is reported; reopening a target for review takes it out again."""
from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, TriageStatus

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:complaints_kominfo_csv")


def _file(address: str) -> Complaint:
    return services.file_complaint(kind=Complaint.Kind.FAKE_WEBSITE, address=address, description="Palsu?",
                                   reporter_email="pelapor@example.com")


def _exported(client) -> list[str]:
    rows = list(csv.reader(io.StringIO(b"".join(client.get(EXPORT).streaming_content).decode())))
    return sorted(row[0] for row in rows[1:])


@pytest.mark.parametrize("official", ["https://www.prakerja.go.id/", "prakerja.go.id", "https://dashboard.prakerja.go.id/login",
                                      "http://PRAKERJA.GO.ID:443/gelombang"])
def test_it_never_exports_the_official_site_even_when_confirmed(client, staff, settings, official):
    settings.OFFICIAL_SITE_URL = "https://www.prakerja.go.id"
    for address in (official, "prakerja.go.id.daftar-cepat.com", "palsuprakerja.go.id.com"):
        services.change_status(complaint=_file(address), to=TriageStatus.FORWARDED_KOMINFO, by=staff)
    client.force_login(staff)
    assert _exported(client) == ["palsuprakerja.go.id.com", "prakerja.go.id.daftar-cepat.com"]


def test_it_exports_only_confirmed_sites(client, staff):
    new, in_review, confirmed, reopened = (_file(f"{name}-prakerja.com") for name in ("baru", "dicek", "palsu", "ragu"))
    services.change_status(complaint=in_review, to=TriageStatus.IN_REVIEW, by=staff)
    services.change_status(complaint=confirmed, to=TriageStatus.FORWARDED_KOMINFO, by=staff)
    services.change_status(complaint=reopened, to=TriageStatus.FORWARDED_KOMINFO, by=staff)
    services.change_status(complaint=reopened, to=TriageStatus.IN_REVIEW, by=staff)
    client.force_login(staff)
    assert _exported(client) == ["palsu-prakerja.com"]
