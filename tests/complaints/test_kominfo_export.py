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
HEADER = ["address", "addresses_as_reported", "first_reported_at", "last_reported_at", "report_count", "status",
          "leads_to", "staff_check", "checked_at", "forwarded_to_kominfo_at"]


def _file(address: str, kind=Complaint.Kind.FAKE_WEBSITE, *, confirmed_by=None) -> Complaint:
    """A complaint; with `confirmed_by`, staff forwarded it to Kominfo (only confirmed sites are exported)."""
    complaint = services.file_complaint(kind=kind, address=address, description="Minta OTP.",
                                        reporter_email="pelapor@example.com")
    if confirmed_by is not None:
        services.change_status(complaint=complaint, to=TriageStatus.FORWARDED_KOMINFO, by=confirmed_by)
    return complaint


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
        _file("kartu-prakerja.net")  # not confirmed by staff: not exported
        _file("0812-3456-7890", kind=Complaint.Kind.JOKI, confirmed_by=staff)  # a joki's phone: not a site
        services.change_status(complaint=first, to=TriageStatus.FORWARDED_KOMINFO, by=staff)
    client.force_login(staff)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="situs-palsu-prakerja-')
    assert _rows(response) == [
        HEADER,
        ["prakerja-daftar.com", "http://prakerja-daftar.com/ | https://www.Prakerja-Daftar.com/login | "
         "prakerja-daftar.com", "2026-03-01T09:00:00+07:00", "2026-03-03T09:00:00+07:00", "3", "forwarded_kominfo",
         "", "", "", "2026-03-03T09:00:00+07:00"],
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


def test_it_exports_one_row_per_page_of_a_mixed_set_of_reports(client, staff):
    # Two telegra.ph pages, two Facebook groups, one short link typed in two cases, one WhatsApp business link.
    for address in ("https://telegra.ph/Harga-Joki-Prakerja-03-12", "https://telegra.ph/Daftar-Cepat-Gel13-04-01",
                    "https://www.facebook.com/groups/111111111111111", "https://m.facebook.com/groups/222222222222222/",
                    "https://bit.ly/Yr7qW", "https://bit.ly/yr7qw", "https://wa.me/message/ABCDEF1234567",
                    "https://www.facebook.com/groups/111111111111111/posts/7"):
        _file(address, confirmed_by=staff)
    client.force_login(staff)

    rows = _rows(client.get(EXPORT))

    assert rows[0] == HEADER
    assert sorted((row[0], row[1], row[4]) for row in rows[1:]) == [
        ("bit.ly/Yr7qW", "https://bit.ly/Yr7qW", "1"),
        ("bit.ly/yr7qw", "https://bit.ly/yr7qw", "1"),
        ("facebook.com/groups/111111111111111", "https://www.facebook.com/groups/111111111111111 | "
         "https://www.facebook.com/groups/111111111111111/posts/7", "2"),
        ("facebook.com/groups/222222222222222", "https://m.facebook.com/groups/222222222222222/", "1"),
        ("telegra.ph/Daftar-Cepat-Gel13-04-01", "https://telegra.ph/Daftar-Cepat-Gel13-04-01", "1"),
        ("telegra.ph/Harga-Joki-Prakerja-03-12", "https://telegra.ph/Harga-Joki-Prakerja-03-12", "1"),
        ("wa.me/message/ABCDEF1234567", "https://wa.me/message/ABCDEF1234567", "1"),
    ]


def test_it_exports_where_a_short_link_leads_as_staff_recorded_it(client, staff):
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        target = _file("https://bit.ly/Yr7qW", confirmed_by=staff).target
        client.force_login(staff)
        response = client.post(reverse("admin:complaints_reportedtarget_change", args=[target.pk]), {
            "leads_to": "https://prakerja-daftar.com/login", "check_note": "Opened 1 March: asks for OTP."})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.leads_to, target.checked_by) == ("https://prakerja-daftar.com/login", staff)

    client.force_login(staff)  # the session started on 1 March has expired since
    row = _rows(client.get(EXPORT))[1]

    assert row[6:9] == ["https://prakerja-daftar.com/login", "Opened 1 March: asks for OTP.",
                        "2026-03-01T09:00:00+07:00"]


def test_it_exports_only_targets_new_since_the_previous_export(client, staff):
    client.force_login(staff)
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC), tick=False) as traveller:
        _file("lama-prakerja.com", confirmed_by=staff)
        assert len(_rows(client.get(EXPORT + "?new=1"))) == 2  # no export before: everything
        traveller.shift(dt.timedelta(hours=1))
        _file("baru-prakerja.com", confirmed_by=staff)
        _file("lama-prakerja.com")  # reported again, but not new
        traveller.shift(dt.timedelta(hours=1))
        new = _rows(client.get(EXPORT + "?new=1"))
        full = _rows(client.get(EXPORT))
        assert [row[0] for row in new[1:]] == ["baru-prakerja.com"]
        assert sorted(row[0] for row in full[1:]) == ["baru-prakerja.com", "lama-prakerja.com"]
        assert _rows(client.get(EXPORT + "?new=1")) == [HEADER]  # nothing since the full export
