"""No NIK/phone oracle: only a verified account within PROFILE_RATE_PER_ACCOUNT learns that a NIK or phone is
taken, and only with a post that passes every other check of the form."""
from __future__ import annotations

import html

import pytest
from django.urls import reverse

from registration.models import Applicant, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TAKEN = ("NIK ini sudah digunakan", "Nomor ponsel ini sudah digunakan")


def _post(client, applicant, **changes):
    data = {"nik": applicant.nik, "kk": applicant.kk, "full_name": "Joki", "phone": applicant.phone,
            "birth_date": "2000-01-01",  # never the NIK's birth date
            "not_in_formal_education": "on", **changes}
    return html.unescape(client.post(reverse("registration:profile"), data).content.decode())


def _says_taken(page: str) -> bool:
    return any(words in page for words in TAKEN)


def test_an_unverified_account_never_learns_that_a_nik_or_phone_is_taken(client, applicant):
    client.force_login(User.objects.create_user(email="joki@example.com", password=PASSWORD))
    assert not _says_taken(_post(client, applicant))
    assert not _says_taken(_post(client, applicant, birth_date=applicant.birth_date.isoformat()))


def test_a_post_failing_another_check_does_not_learn_it(client, applicant, verified_user):
    client.force_login(verified_user)
    page = _post(client, applicant)  # the birth date does not match the NIK
    assert "tidak sama dengan yang tercantum di NIK" in page and not _says_taken(page)


def test_a_verified_account_past_its_limit_learns_nothing_more(client, applicant, verified_user, settings):
    settings.PROFILE_RATE_PER_ACCOUNT = "3/h"
    client.force_login(verified_user)
    for _ in range(3):  # every post that passes the form's own checks counts (each one asks the question)
        assert _says_taken(_post(client, applicant, birth_date=applicant.birth_date.isoformat()))
    page = _post(client, applicant, birth_date=applicant.birth_date.isoformat())
    assert "Terlalu banyak percobaan" in page and not _says_taken(page)
    assert not Applicant.objects.filter(user=verified_user).exists()


def test_posts_the_form_itself_refuses_do_not_count(client, applicant, verified_user, settings):
    settings.PROFILE_RATE_PER_ACCOUNT = "3/h"
    client.force_login(verified_user)
    for _ in range(5):  # the birth date does not match the NIK: refused by the form, nothing asked
        page = _post(client, applicant)
        assert "tidak sama dengan yang tercantum di NIK" in page and "Terlalu banyak percobaan" not in page
    assert _says_taken(_post(client, applicant, birth_date=applicant.birth_date.isoformat()))


@pytest.mark.parametrize(("language", "heading", "message", "wrong_heading"), [
    ("id", "Profil Anda belum disimpan.", "Terlalu banyak percobaan", "Perbaiki isian yang ditandai"),
    ("en", "Your profile was not saved.", "Too many attempts to save the profile", "Please correct the fields"),
])
def test_the_limit_has_its_own_heading(client, applicant, verified_user, settings, language, heading, message,
                                       wrong_heading):
    settings.PROFILE_RATE_PER_ACCOUNT = "1/h"
    client.cookies["django_language"] = language
    client.force_login(verified_user)
    _post(client, applicant, birth_date=applicant.birth_date.isoformat())
    page = _post(client, applicant, nik="3578010505950002", birth_date="1995-05-05", phone="081298765432")
    assert heading in page and message in page
    assert wrong_heading not in page
    assert not Applicant.objects.filter(user=verified_user).exists()


def test_a_verified_account_within_its_limit_is_told(client, applicant, verified_user):
    client.force_login(verified_user)
    assert _says_taken(_post(client, applicant, birth_date=applicant.birth_date.isoformat()))
