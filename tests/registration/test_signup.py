import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from prakerja.lib.digest import keyed_digest
from registration.models import User
from tests.registration.conftest import PASSWORD

# Account e-mails are queued on commit and sent by a task (run in-process here): the tests commit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]

UA = "Mozilla/5.0 (Linux; Android 11; SM-A125F) Chrome/96.0"


def sign_up(client, email="Rina@Example.com", password=PASSWORD, password2=None):
    return client.post(reverse("registration:signup"),
                       {"email": email, "password1": password, "password2": password2 or password},
                       REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=UA)


def test_it_creates_an_unverified_account_with_keyed_digests_of_ip_and_user_agent(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:signup_done")
    user = User.objects.get()
    # Mail goes to the address as typed (docs/DOMAIN.md): only the case-blind domain is lowered; the inbox
    # (one account per inbox, any case) is the canonical form.
    assert (user.email, user.email_canonical) == ("Rina@example.com", "rina@example.com")
    assert user.email_verified_at is None
    assert user.check_password(PASSWORD)
    assert user.signup_ip_digest == keyed_digest("203.0.113.7")
    assert user.signup_user_agent_digest == keyed_digest(UA)


def test_it_sends_a_verification_link(client):
    sign_up(client)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Rina@example.com"]
    assert "Verifikasi" in message.subject
    assert "http://testserver/verifikasi/" in message.body
    follow = client.get(reverse("registration:signup_done"))
    assert "Rina@Example.com" in follow.content.decode()  # as typed


def test_an_address_already_taken_gets_the_same_page_and_its_owner_an_e_mail(client, applicant):
    """The page must not tell anyone which addresses have an account: the owner learns it by e-mail."""
    taken = sign_up(client, email="SITI@example.com", password="Sandi-Lain-Sekali-2021")
    new = sign_up(Client(), email="baru@example.com")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert User.objects.count() == 2
    assert User.objects.get(pk=applicant.pk).check_password(PASSWORD)  # the account is unchanged

    notice, verification = mail.outbox
    assert notice.to == ["siti@example.com"] and "Anda sudah memiliki akun Kartu Prakerja" in notice.subject
    assert "http://testserver/masuk/" in notice.body and "http://testserver/lupa-sandi/" in notice.body
    assert "/verifikasi/" not in notice.body
    assert verification.to == ["baru@example.com"] and "/verifikasi/" in verification.body
    page = client.get(taken["Location"]).content.decode()
    assert "SITI@example.com" in page and "Jika alamat ini sudah memiliki akun" in page


@pytest.mark.parametrize("password, message", [
    ("short1!", "Kata sandi terlalu pendek"),
    ("password123", "Kata sandi ini terlalu umum"),
    ("83749261028374", "Kata sandi ini seluruhnya terdiri dari angka"),
    ("rinaexample", "Kata sandi terlalu mirip"),
])
def test_it_applies_djangos_password_validators(client, password, message):
    response = sign_up(client, email="rinaexample@example.com", password=password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_it_refuses_two_different_passwords(client):
    response = sign_up(client, password2="another-Secret-99")
    assert response.status_code == 200
    assert not User.objects.exists()


def test_a_logged_in_user_is_sent_to_the_dashboard(applicant_client):
    response = applicant_client.get(reverse("registration:signup"))
    assert response["Location"] == reverse("registration:dashboard")


def test_repeated_sign_ups_with_a_taken_address_send_its_owner_one_e_mail_an_hour(client, applicant):
    for _ in range(4):
        sign_up(client, email="siti@example.com")
    assert [message.to for message in mail.outbox] == [["siti@example.com"]]
    assert User.objects.count() == 1


def test_another_spelling_of_the_address_is_the_same_account(client):
    sign_up(client)
    sign_up(Client(), email="rina@EXAMPLE.com")
    assert User.objects.count() == 1
    assert User.objects.get_by_natural_key("rINA@example.COM").email == "Rina@example.com"
