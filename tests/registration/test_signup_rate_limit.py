"""Sign-up and password reset are limited per client address and per canonical inbox, in the shared cache, before
any password is hashed."""
from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from registration.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signup(client, email, ip="203.0.113.7"):
    return client.post(reverse("registration:signup"), {"email": email, "password1": PASSWORD,
                                                         "password2": PASSWORD}, REMOTE_ADDR=ip)


def test_it_limits_sign_ups_from_one_client(client, settings):
    settings.SIGNUP_RATE_PER_CLIENT = "5/h"
    for number in range(5):
        assert _signup(client, f"akun{number}@example.com").status_code == 302
        client.logout()
    refused = _signup(client, "akun5@example.com")
    assert refused.status_code == 429
    assert "Terlalu banyak pendaftaran" in refused.content.decode()
    assert User.objects.count() == 5
    assert _signup(client, "tetangga@example.com", ip="198.51.100.9").status_code == 302  # another client


def test_it_limits_sign_ups_per_inbox_whatever_the_spelling(client, settings):
    settings.SIGNUP_RATE_PER_INBOX = "2/h"
    for number, spelling in enumerate(("a.li+1@gmail.com", "ali+2@gmail.com", "A.L.I@gmail.com")):
        response = _signup(client, spelling, ip=f"198.51.100.{number + 1}")
    assert response.status_code == 429


def test_it_limits_password_resets_per_client(client, applicant, settings, eager_celery,
                                              django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_RATE_PER_CLIENT = "2/h"
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(4):
            client.post(reverse("registration:password_reset"), {"email": applicant.user.email},
                        REMOTE_ADDR="203.0.113.7", HTTP_X_NUMBER=str(number))
    assert len(mail.outbox) == 2
