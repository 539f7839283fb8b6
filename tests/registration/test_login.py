import re

import pytest
from django.core import mail
from django.urls import reverse

from registration.models import User
from tests.registration.conftest import PASSWORD

# Account e-mails are queued on commit and sent by a task (run in-process here): the tests commit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


def log_in(client, email, password):
    return client.post(reverse("registration:login"), {"username": email, "password": password},
                       REMOTE_ADDR="198.51.100.4")


def test_it_logs_in_with_the_e_mail_address_in_any_case(client, applicant):
    response = log_in(client, "Siti@Example.COM", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:dashboard")
    assert client.get(reverse("registration:dashboard")).status_code == 200


def test_a_wrong_password_gets_a_clear_message(client, applicant):
    response = log_in(client, applicant.user.email, "wrong-password")
    assert response.status_code == 200
    assert "Alamat e-mail atau kata sandi salah" in response.content.decode()


def test_the_login_form_names_its_field_username_for_axes(client, db):
    html = client.get(reverse("registration:login")).content.decode()
    assert 'name="username"' in html
    assert 'type="email"' in html


def test_it_locks_the_account_out_after_repeated_failures(client, applicant, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, applicant.user.email, "wrong-password")
    response = log_in(client, applicant.user.email, PASSWORD)  # even the right password now
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(("language", "button", "text"), [
    ("id", "Keluar", "Tekan tombol di bawah untuk keluar dari akun Anda di perangkat ini."),
    ("en", "Log out", "Press the button below to log out of your account on this device.")])
def test_a_get_of_the_logout_address_shows_the_button_and_logs_nobody_out(applicant_client, language, button, text):
    # A link or an image elsewhere must not sign anyone out (CSRF): the page offers the POST.
    response = applicant_client.get(reverse("registration:logout"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page and "https://www.prakerja.go.id" in page  # the site's layout
    assert text in page
    assert f'<button type="submit" class="button" id="logout-button">{button}</button>' in page
    assert page.count('action="/keluar/"') == 2 and 'name="csrfmiddlewaretoken"' in page  # the header's form too
    assert applicant_client.get(reverse("registration:dashboard")).status_code == 200  # still signed in


def test_a_get_of_the_logout_address_sends_a_visitor_home(client, db):
    assert client.get(reverse("registration:logout"))["Location"] == reverse("registration:landing")


def test_logging_out_needs_a_post(applicant_client):
    response = applicant_client.post(reverse("registration:logout"))
    assert response["Location"] == reverse("registration:landing")
    assert applicant_client.get(reverse("registration:dashboard")).status_code == 302


def test_the_dashboard_and_profile_need_a_login(client, db):
    for name in ("registration:dashboard", "registration:profile"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("registration:login"))


def test_the_password_can_be_reset_through_the_e_mailed_link(client, applicant):
    response = client.post(reverse("registration:password_reset"), {"email": "SITI@example.com"})
    assert response["Location"] == reverse("registration:password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["siti@example.com"]
    link = re.search(r"http://testserver(/atur-sandi/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django hides the token behind a redirect
    response = client.post(form_url, {"new_password1": "baru-Rahasia-2024", "new_password2": "baru-Rahasia-2024"})
    assert response["Location"] == reverse("registration:password_reset_complete")
    assert User.objects.get(pk=applicant.pk).check_password("baru-Rahasia-2024")
    assert log_in(client, "siti@example.com", "baru-Rahasia-2024").status_code == 302


def test_a_used_reset_link_cannot_be_used_again(client, applicant):
    client.post(reverse("registration:password_reset"), {"email": applicant.user.email})
    link = re.search(r"http://testserver(/atur-sandi/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "baru-Rahasia-2024", "new_password2": "baru-Rahasia-2024"})
    response = client.get(link)
    assert "Tautan ini tidak dapat digunakan" in response.content.decode()


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("registration:password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("registration:password_reset_done")
    assert mail.outbox == []


def test_password_reset_mail_is_rate_limited_per_address(client, applicant):
    for _ in range(7):
        response = client.post(reverse("registration:password_reset"), {"email": applicant.user.email})
        assert response["Location"] == reverse("registration:password_reset_done")  # looks the same
    assert len(mail.outbox) == 5
