"""Redis (the cache) unreachable, a closed port: no page answers 500, no page tells existing addresses from new
ones, and each limit does what prakerja.lib.limits says (sign-up and complaints fail open, mail and profile
limits fail closed with one message for every input), logged."""
from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from complaints.models import Complaint
from prakerja.models import OutboxTask
from registration.models import Applicant, User
from tests.complaints.helpers import complaint_data
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CACHE_DOWN = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0"}}
BUSY = "Layanan ini sedang sibuk"


@pytest.fixture
def cache_down(settings):
    # Only the shared cache (Redis) is down; the per-process public-page cache stays as configured.
    with override_settings(CACHES={**settings.CACHES, **CACHE_DOWN}):
        yield


def _signup(client, email):
    return client.post(reverse("registration:signup"), {"email": email, "password1": PASSWORD,
                                                         "password2": PASSWORD})


def test_it_signs_up_new_and_existing_addresses_alike(client, applicant, cache_down, caplog,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        new = _signup(client, "baru@example.com")
        client.cookies.clear()
        existing = _signup(client, applicant.user.email)
    assert (new.status_code, new.url) == (existing.status_code, existing.url) == (302, reverse("registration:signup_done"))
    assert User.objects.filter(email="baru@example.com").exists()
    # The verification mail is queued; the account-exists mail is not (its once-an-hour guard fails closed).
    assert list(OutboxTask.objects.values_list("task", flat=True)) == ["registration.tasks.send_verification"]
    assert "failing open" in caplog.text and "failing closed" in caplog.text
    assert applicant.user.email not in caplog.text and "baru@example.com" not in caplog.text


@pytest.mark.parametrize("url_name", ["registration:resend_verification", "registration:password_reset"])
def test_the_mail_forms_answer_busy_for_every_address(client, applicant, cache_down, url_name):
    answers = []
    for email in (applicant.user.email, "tidak-ada@example.com"):
        response = client.post(reverse(url_name), {"email": email}, follow=True)
        assert response.status_code == 200
        page = html.unescape(response.content.decode()).replace(email, "EMAIL")
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page))
    assert BUSY in answers[0]
    assert answers[0] == answers[1]
    assert mail.outbox == [] and not OutboxTask.objects.exists()


def test_the_profile_form_answers_busy_and_says_nothing_about_the_nik(client, applicant, verified_user, cache_down):
    client.force_login(verified_user)
    response = client.post(reverse("registration:profile"), {
        "nik": applicant.nik, "kk": applicant.kk, "full_name": "Joki", "phone": "0819 9999 8888",
        "birth_date": applicant.birth_date.isoformat(), "not_in_formal_education": "on"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and BUSY in page
    assert "sudah digunakan" not in page
    assert not Applicant.objects.filter(user=verified_user).exists()


def test_the_complaint_form_and_the_status_look_up_still_work(client, cache_down, eager_celery):
    response = client.post(reverse("complaints:new"), complaint_data())
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    page = client.post(reverse("complaints:status"), {"reference": complaint.reference,
                                                      "email": "pelapor@example.com"})
    assert page.status_code == 200 and page.context["complaint"] == complaint


def test_the_landing_and_login_pages_answer(client, applicant, cache_down):
    assert client.get(reverse("registration:landing")).status_code == 200
    response = client.post(reverse("registration:login"), {"username": applicant.user.email, "password": PASSWORD})
    assert response.status_code == 302
