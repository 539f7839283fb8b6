"""One account per inbox: another spelling of an address that has an account (Gmail's dots, googlemail.com,
a +tag, case) behaves like that address: the same page as a new sign-up, an e-mail to the owner."""
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from registration.models import User
from tests.registration.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


def sign_up(client, email):
    return client.post(reverse("registration:signup"), {"email": email, "password1": PASSWORD,
                                                        "password2": PASSWORD}, REMOTE_ADDR="203.0.113.7")


@pytest.mark.parametrize("alias", ["A.Li+x@GoogleMail.com", "a.l.i@gmail.com", "ALI+prakerja@gmail.com"])
def test_a_gmail_alias_of_an_account_is_told_by_e_mail_not_on_the_page(alias):
    owner = User.objects.create_user(email="ali@gmail.com", password=PASSWORD)
    taken = sign_up(Client(), alias)
    new = sign_up(Client(), "baru@example.com")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert User.objects.count() == 2 and not User.objects.filter(email=alias.lower()).exists()
    notice, verification = mail.outbox
    assert notice.to == ["ali@gmail.com"]  # the owner's address as stored, not the alias typed
    assert "Anda sudah memiliki akun Kartu Prakerja" in notice.subject
    assert verification.to == ["baru@example.com"]
    assert User.objects.get(pk=owner.pk).email_canonical == "ali@gmail.com"


def test_mail_goes_to_the_address_as_typed():
    sign_up(Client(), "Siti.Aminah+Prakerja@Gmail.com")
    user = User.objects.get()
    assert (user.email, user.email_canonical) == ("Siti.Aminah+Prakerja@gmail.com", "sitiaminah@gmail.com")
    assert mail.outbox[0].to == ["Siti.Aminah+Prakerja@gmail.com"]  # the domain, case-blind, is lowered


def test_the_rate_limit_counts_every_spelling_of_one_inbox(settings):
    settings.RATELIMIT_ENABLE = True
    User.objects.create_user(email="ali@gmail.com", password=PASSWORD)
    for n in range(5):
        Client().post(reverse("registration:resend_verification"), {"email": f"a.li+{n}@gmail.com"},
                      REMOTE_ADDR=f"203.0.113.{n}")
    assert len(mail.outbox) == 5
    Client().post(reverse("registration:resend_verification"), {"email": "ALI@googlemail.com"},
                  REMOTE_ADDR="203.0.113.99")
    assert len(mail.outbox) == 5  # the sixth link for one inbox in an hour is not sent
