"""NIK and phone belong to one account; a second account with a used NIK learns nothing about the first."""
import datetime as dt
import html

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from registration import services
from registration.models import Applicant
from tests.registration.conftest import register

pytestmark = pytest.mark.django_db


def profile_of(applicant, **changes):
    data = {"nik": applicant.nik, "kk": applicant.kk, "full_name": applicant.full_name,
            "birth_date": applicant.birth_date.isoformat(), "phone": applicant.phone,
            "not_in_formal_education": "on"}
    return {**data, **changes}


@pytest.fixture
def stranger_client(client, verified_user):
    client.force_login(verified_user)
    return client


def snapshot(applicant):
    return Applicant.objects.filter(pk=applicant.pk).values().get()


def test_a_used_nik_is_refused_without_saying_whose_and_nothing_is_overwritten(stranger_client, applicant):
    before = snapshot(applicant)
    response = stranger_client.post(reverse("registration:profile"), profile_of(
        applicant, nik="3201 0141 1290 0001", full_name="Joki Palsu", phone="0819 9999 8888"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "NIK ini sudah digunakan oleh akun lain" in page
    assert response.context["form"].has_error("nik", "nik_taken")
    for secret in (applicant.user.email, "siti", applicant.full_name, applicant.phone, "81234567890"):
        assert secret.lower() not in page.lower()
    assert snapshot(applicant) == before
    assert Applicant.objects.count() == 1


def test_a_used_phone_number_is_refused(stranger_client, applicant):
    response = stranger_client.post(reverse("registration:profile"), {
        "nik": "3171015508950003", "kk": "3171010101200003", "full_name": "Dewi", "birth_date": "1995-08-15",
        "phone": "0812-3456-7890", "not_in_formal_education": "on"})
    assert response.context["form"].has_error("phone", "phone_taken")
    assert "Nomor ponsel ini sudah digunakan oleh akun lain" in html.unescape(response.content.decode())
    assert Applicant.objects.count() == 1


def test_the_service_refuses_a_used_nik_and_overwrites_nothing(verified_user, applicant):
    # The form never asks; the service asks under a lock on the NIK (no failed INSERT on the way).
    before = snapshot(applicant)
    with pytest.raises(services.ProfileConflict) as refused:
        services.save_profile(user=verified_user, nik=applicant.nik, kk=applicant.kk, full_name="Joki",
                              birth_date=applicant.birth_date, phone="+6281999998888", not_in_formal_education=True)
    assert refused.value.field == "nik"
    assert snapshot(applicant) == before
    assert not Applicant.objects.filter(user=verified_user).exists()


def test_the_service_refuses_a_used_phone(verified_user, applicant):
    with pytest.raises(services.ProfileConflict) as refused:
        services.save_profile(user=verified_user, nik="3171015508950003", kk="3171010101200003", full_name="Dewi",
                              birth_date=dt.date(1995, 8, 15), phone=applicant.phone, not_in_formal_education=True)
    assert refused.value.field == "phone"


def test_the_applicant_can_update_their_own_profile(client, applicant):
    client.force_login(applicant.user)
    response = client.post(reverse("registration:profile"), profile_of(applicant, phone="0819 9999 8888",
                                                                         full_name="Siti Aminah Putri"))
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.phone == "+6281999998888"
    assert applicant.full_name == "Siti Aminah Putri"


def test_nik_kk_and_birth_date_are_locked_once_the_applicant_joined_a_wave(client, applicant, open_wave_12):
    register(applicant, open_wave_12)
    client.force_login(applicant.user)
    page = client.get(reverse("registration:profile"))
    assert "tidak dapat diubah lagi" in page.content.decode()
    assert page.context["form"].fields["nik"].disabled
    response = client.post(reverse("registration:profile"), profile_of(
        applicant, nik="3171015508950003", kk="3171010101200003", birth_date="1995-08-15", full_name="Siti A."))
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.nik == "3201014112900001"
    assert applicant.kk == "3201010101200001"
    assert applicant.birth_date == dt.date(1990, 12, 1)
    assert applicant.full_name == "Siti A."


def test_the_service_keeps_locked_fields_even_when_called_directly(applicant, open_wave_12):
    register(applicant, open_wave_12)
    services.save_profile(user=applicant.user, nik="3171015508950003", kk="3171010101200003", full_name="X",
                          birth_date=dt.date(1995, 8, 15), phone=applicant.phone, not_in_formal_education=True)
    applicant.refresh_from_db()
    assert applicant.nik == "3201014112900001"


def test_nik_uniqueness_is_a_database_constraint(applicant, other_applicant):
    with pytest.raises(IntegrityError), transaction.atomic():
        Applicant.objects.filter(pk=other_applicant.pk).update(nik=applicant.nik)
