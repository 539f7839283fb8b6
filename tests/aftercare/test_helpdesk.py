"""The helpdesk: staff find an applicant by NIK, phone or e-mail (POSTed), see every registration and what happened
to it; each look-up is audited, whole values only with the permission."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from aftercare import services
from aftercare.models import HelpdeskLookup, RevocationReason
from tests.aftercare.conftest import by_rank, make_list, make_wave, new_person, register, screen, select

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(applicant, staff):
    wave = make_wave(number=20, quota=1)
    register(applicant, wave)
    register(new_person(), wave)
    register(new_person(), wave)
    make_list("bansos", [applicant], file_name="dtks-2020.csv")
    screen(wave)
    return select(wave)


@pytest.mark.parametrize("query", ["3201 0141 1290 0001", "0812-3456-7890", "Siti@Example.com"])
def test_it_finds_the_applicant_by_nik_phone_or_email(client, staff, applicant, history, query):
    client.force_login(staff)
    html = client.post(reverse("aftercare:helpdesk"), {"query": query}).content.decode()
    assert "3201********0001" in html and applicant.nik not in html
    assert "dtks-2020.csv" in html
    entry = HelpdeskLookup.objects.get()
    assert (entry.user, entry.found, entry.full_identity) == (staff, applicant, False)


def test_it_shows_whole_values_only_with_the_permission(client, staff, viewer, applicant, history):
    client.force_login(staff)
    html = client.post(reverse("aftercare:helpdesk"), {"query": applicant.nik, "full": "on"}).content.decode()
    assert applicant.nik in html
    viewer.user_permissions.add(Permission.objects.get(codename="use_helpdesk"))
    client.force_login(viewer)
    html = client.post(reverse("aftercare:helpdesk"), {"query": applicant.nik, "full": "on"}).content.decode()
    assert applicant.nik not in html
    assert list(HelpdeskLookup.objects.order_by("pk").values_list("full_identity", flat=True)) == [True, False]


def test_it_shows_a_revocation_and_a_promotion(client, staff, history):
    winner, reserve = by_rank(history)
    from registration.models import Registration

    services.revoke_recipient(registration=Registration.objects.get(pk=winner), reason=RevocationReason.FRAUD,
                              by=staff, note="joki")
    client.force_login(staff)
    html = client.post(reverse("aftercare:helpdesk"),
                       {"query": Registration.objects.get(pk=winner).applicant.nik}).content.decode()
    assert 'class="revocation"' in html
    html = client.post(reverse("aftercare:helpdesk"),
                       {"query": Registration.objects.get(pk=reserve).applicant.nik}).content.decode()
    assert 'class="promotion"' in html


def test_it_refuses_staff_without_the_permission_and_says_what_to_type(client, staff, viewer):
    client.force_login(viewer)
    assert client.post(reverse("aftercare:helpdesk"), {"query": "x"}).status_code == 403
    client.force_login(staff)
    response = client.post(reverse("aftercare:helpdesk"), {"query": "bukan nomor"})
    assert response.status_code == 200 and "NIK" in response.content.decode()
    assert not HelpdeskLookup.objects.exists()
