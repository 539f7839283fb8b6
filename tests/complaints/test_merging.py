"""Duplicates merge: the reported address is normalised so the same site or person shows once, with a count."""
from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.addresses import AddressError, TargetKind, normalise_address
from complaints.models import Complaint, ReportedTarget
from tests.complaints.helpers import complaint_data


@pytest.mark.django_db
def test_it_merges_three_reports_of_one_site_into_one_target_with_count_3(client):
    for address in ("https://www.Prakerja-Daftar.com/login", "prakerja-daftar.com", "http://PRAKERJA-DAFTAR.com/"):
        assert client.post(reverse("complaints:new"), complaint_data(address=address)).status_code == 302

    target = ReportedTarget.objects.get()
    assert (target.kind, target.address, target.report_count) == ("website", "prakerja-daftar.com", 3)
    assert target.complaints.count() == 3


@pytest.mark.django_db
def test_it_merges_a_phone_number_however_it_is_written(client):
    for address in ("0812-3456-7890", "+62 812 3456 7890", "https://wa.me/6281234567890?text=daftar"):
        client.post(reverse("complaints:new"), complaint_data(kind=Complaint.Kind.JOKI, address=address))

    target = ReportedTarget.objects.get()
    assert (target.kind, target.address, target.report_count) == ("phone", "+6281234567890", 3)


@pytest.mark.django_db
def test_it_merges_a_number_written_with_the_trunk_zero_after_the_country_code(client):
    # The profile form accepts both spellings too: one normaliser (prakerja.lib.identity.normalize_phone).
    for address in ("+62 (0)822-7150-1234", "0822-7150-1234"):
        response = client.post(reverse("complaints:new"), complaint_data(kind=Complaint.Kind.JOKI, address=address))
        assert response.status_code == 302

    target = ReportedTarget.objects.get()
    assert (target.kind, target.address, target.report_count) == ("phone", "+6282271501234", 2)
    assert sorted(target.complaints.values_list("address_as_reported", flat=True)) == [
        "+62 (0)822-7150-1234", "0822-7150-1234"]


@pytest.mark.django_db
def test_it_shows_each_target_once_in_the_admin_with_its_count(client, staff):
    for address in ("https://www.Prakerja-Daftar.com/login", "prakerja-daftar.com", "prakerja-daftar.com/daftar"):
        client.post(reverse("complaints:new"), complaint_data(address=address))
    client.force_login(staff)

    page = client.get(reverse("admin:complaints_reportedtarget_changelist")).content.decode()

    assert page.count(">prakerja-daftar.com<") == 1
    assert '<td class="field-report_count">3</td>' in page


@pytest.mark.parametrize(("raw", "kind", "value"), [
    ("https://www.Prakerja-Daftar.com/login", TargetKind.WEBSITE, "prakerja-daftar.com"),
    ("prakerja-daftar.com", TargetKind.WEBSITE, "prakerja-daftar.com"),
    ("WWW.prakerja-daftar.com.:8080/a?b=c#d", TargetKind.WEBSITE, "prakerja-daftar.com"),
    ("prakerja-daftar.blogspot.com/2026/03/daftar.html", TargetKind.WEBSITE, "prakerja-daftar.blogspot.com"),
    ("https://bit.ly/DaftarPrakerja", TargetKind.WEBSITE, "bit.ly/DaftarPrakerja"),
    ("https://sites.google.com/view/prakerja-gel13/home", TargetKind.WEBSITE, "sites.google.com/view/prakerja-gel13"),
    ("https://prakérja.com", TargetKind.WEBSITE, "xn--prakrja-eya.com"),
    ("081234567890", TargetKind.PHONE, "+6281234567890"),
    ("+62 812-3456-7890", TargetKind.PHONE, "+6281234567890"),
    ("https://api.whatsapp.com/send?phone=6281234567890", TargetKind.PHONE, "+6281234567890"),
    ("@Joki_Prakerja", TargetKind.ACCOUNT, "joki_prakerja"),
    ("Joki   Prakerja Murah", TargetKind.ACCOUNT, "joki prakerja murah"),
])
def test_it_normalises_addresses(raw, kind, value):
    address = normalise_address(raw)
    assert (address.kind, address.value) == (kind, value)


@pytest.mark.parametrize("raw", ["", "   ", "@", " @@ "])
def test_it_refuses_what_cannot_be_an_address(raw):
    with pytest.raises(AddressError):
        normalise_address(raw)
