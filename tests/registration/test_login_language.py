"""Signing in on a browser without a language choice brings back the account's language (User.language); a
choice made on this browser stays."""
import pytest
from django.urls import reverse

from registration.models import User
from tests.registration.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _log_in(client, applicant):
    return client.post(reverse("registration:login"), {"username": applicant.user.email, "password": PASSWORD},
                       follow=True, REMOTE_ADDR="198.51.100.4")


@pytest.mark.parametrize(("language", "html_lang", "text"), [("en", "en", "My registrations"),
                                                             ("id", "id", "Pendaftaran saya")])
def test_it_signs_in_in_the_account_language(client, applicant, language, html_lang, text):
    User.objects.filter(pk=applicant.user.pk).update(language=language)
    page = _log_in(client, applicant).content.decode()
    assert f'<html lang="{html_lang}">' in page and text in page
    assert client.cookies["django_language"].value == language
    page = client.get(reverse("registration:profile")).content.decode()
    assert f'<html lang="{html_lang}">' in page


def test_a_choice_made_on_this_browser_stays(client, applicant):
    User.objects.filter(pk=applicant.user.pk).update(language="en")
    client.post(reverse("set_language"), {"language": "id"})
    page = _log_in(client, applicant).content.decode()
    assert '<html lang="id">' in page
    assert client.cookies["django_language"].value == "id"


def test_a_failed_login_sets_no_language(client, applicant):
    User.objects.filter(pk=applicant.user.pk).update(language="en")
    client.post(reverse("registration:login"), {"username": applicant.user.email, "password": "salah"},
                REMOTE_ADDR="198.51.100.4")
    assert "django_language" not in client.cookies


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_signed_in_switch_becomes_the_account_language(client, applicant, language):
    # User.language is the language of the account's e-mails (docs/DOMAIN.md, "Notifications").
    User.objects.filter(pk=applicant.user.pk).update(language="en" if language == "id" else "id")
    client.force_login(applicant.user)
    response = client.post(reverse("set_language"), {"language": language, "next": reverse("registration:dashboard")})
    assert response["Location"] == reverse("registration:dashboard")
    assert client.cookies["django_language"].value == language
    assert User.objects.get(pk=applicant.user.pk).language == language


def test_an_anonymous_switch_or_an_unknown_language_changes_no_account(client, applicant):
    client.post(reverse("set_language"), {"language": "en"})
    assert User.objects.get(pk=applicant.user.pk).language == "id"
    client.force_login(applicant.user)
    client.post(reverse("set_language"), {"language": "fr"})
    assert User.objects.get(pk=applicant.user.pk).language == "id"
