"""The streamed CSV of fake-site addresses for Kominfo: address, first and last report, count, status."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, TriageStatus

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:complaints_kominfo_csv")


def _file(address: str, kind=Complaint.Kind.FAKE_WEBSITE) -> Complaint:
    return services.file_complaint(kind=kind, address=address, description="Minta OTP.",
                                   reporter_email="pelapor@example.com")


def _rows(response) -> list[list[str]]:
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_it_exports_each_fake_site_once_with_its_count_and_status(client, staff):
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC), tick=False) as traveller:
        first = _file("https://www.Prakerja-Daftar.com/login")
        traveller.shift(dt.timedelta(days=1))
        _file("prakerja-daftar.com")
        traveller.shift(dt.timedelta(days=1))
        _file("http://prakerja-daftar.com/")
        _file("kartu-prakerja.net")
        _file("0812-3456-7890", kind=Complaint.Kind.JOKI)  # a joki's phone: not a site for Kominfo
        services.change_status(complaint=first, to=TriageStatus.FORWARDED_KOMINFO, by=staff)
    client.force_login(staff)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="situs-palsu-prakerja-')
    assert _rows(response) == [
        ["address", "first_reported_at", "last_reported_at", "report_count", "status", "forwarded_to_kominfo_at"],
        ["prakerja-daftar.com", "2026-03-01T09:00:00+07:00", "2026-03-03T09:00:00+07:00", "3", "forwarded_kominfo",
         "2026-03-03T09:00:00+07:00"],
        ["kartu-prakerja.net", "2026-03-03T09:00:00+07:00", "2026-03-03T09:00:00+07:00", "1", "new", ""],
    ]


def test_it_refuses_the_export_to_others(client, viewer, applicant):
    _file("prakerja-daftar.com")
    assert client.get(EXPORT).status_code == 302  # to the admin login
    client.force_login(applicant.user)
    assert client.get(EXPORT).status_code == 302
    client.force_login(viewer)
    assert client.get(EXPORT).status_code == 403


def test_it_links_the_export_from_the_address_list(client, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:complaints_reportedtarget_changelist")).content.decode()
    assert EXPORT in page
