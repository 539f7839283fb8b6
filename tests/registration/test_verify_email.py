import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from registration.models import User
from registration.services import make_verification_token
from tests.registration.conftest import PASSWORD

# Account e-mails are queued on commit and sent by a task (run in-process here): the tests commit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def new_user(db) -> User:
    return User.objects.create_user(email="rina@example.com", password=PASSWORD)


def link_in(message) -> str:
    return re.search(r"http://testserver(/verifikasi/\S+/)", message.body).group(1)


def test_the_link_from_the_e_mail_verifies_the_account(client):
    client.post(reverse("registration:signup"),
                {"email": "rina@example.com", "password1": PASSWORD, "password2": PASSWORD})
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 200
    assert "E-mail terverifikasi" in response.content.decode()
    assert User.objects.get().email_verified_at is not None


def test_opening_the_link_twice_keeps_the_first_time(client, new_user):
    url = reverse("registration:verify_email", args=[make_verification_token(new_user)])
    client.get(url)
    first = User.objects.get().email_verified_at
    assert client.get(url).status_code == 200
    assert User.objects.get().email_verified_at == first


def test_a_tampered_link_is_refused_with_a_way_to_resend(client, new_user):
    token = make_verification_token(new_user)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(reverse("registration:verify_email", args=[tampered]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tautan verifikasi ini tidak sah" in html
    assert reverse("registration:resend_verification") in html
    assert User.objects.get().email_verified_at is None


def test_a_link_for_another_address_is_refused(client, new_user):
    token = make_verification_token(new_user)
    User.objects.filter(pk=new_user.pk).update(email="other@example.com")
    response = client.get(reverse("registration:verify_email", args=[token]))
    assert response.status_code == 400


def test_an_expired_link_is_refused_with_a_way_to_resend(client, new_user, settings):
    with time_machine.travel(timezone.now() - dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 1)):
        token = make_verification_token(new_user)
    response = client.get(reverse("registration:verify_email", args=[token]))
    assert response.status_code == 400
    assert "Tautan verifikasi ini sudah kedaluwarsa" in response.content.decode()
    assert User.objects.get().email_verified_at is None


def test_a_link_just_inside_its_lifetime_works(client, new_user, settings):
    with time_machine.travel(timezone.now() - dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE - 60)):
        token = make_verification_token(new_user)
    assert client.get(reverse("registration:verify_email", args=[token])).status_code == 200


def test_a_new_link_can_be_requested_and_works(client, new_user):
    response = client.post(reverse("registration:resend_verification"), {"email": "RINA@example.com"}, follow=True)
    assert "kami telah mengirim tautan baru" in response.content.decode()
    assert len(mail.outbox) == 1
    assert client.get(link_in(mail.outbox[0])).status_code == 200
    assert User.objects.get().is_verified


def test_resending_answers_the_same_for_unknown_and_verified_addresses(client, applicant):
    for email in ("nobody@example.com", applicant.user.email):
        response = client.post(reverse("registration:resend_verification"), {"email": email}, follow=True)
        assert "kami telah mengirim tautan baru" in response.content.decode()
    assert mail.outbox == []


def test_resending_is_rate_limited_per_address(client, new_user):
    for _ in range(7):
        client.post(reverse("registration:resend_verification"), {"email": new_user.email})
    assert len(mail.outbox) == 5


def test_a_logged_in_applicant_lands_on_the_dashboard_after_verifying(client, new_user):
    client.force_login(new_user)
    response = client.get(reverse("registration:verify_email", args=[make_verification_token(new_user)]))
    assert response["Location"] == reverse("registration:dashboard")


def test_the_link_does_not_carry_the_address(new_user):
    """Signed tokens are base64, not encrypted, and links end up in access logs: the address must not be in it."""
    import base64

    token = make_verification_token(new_user)
    payload = token.split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"rina" not in decoded.lower() and b"example" not in decoded.lower()

