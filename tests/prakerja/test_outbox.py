"""The task outbox (prakerja.lib.outbox): with the broker down (a closed port) the page answers normally and the
work is stored; once the broker is back the sweep hands it over, exactly once."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from eligibility import waves
from prakerja.celery import app
from prakerja.lib import outbox
from prakerja.models import OutboxTask
from registration.models import User, Wave
from tests.complaints.helpers import complaint_data
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _use_broker(url: str) -> None:
    app.conf.broker_url = url
    app._pool = None  # the connection pools were made for the old URL
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    old = app.conf.broker_url
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT_BROKER)
    _use_broker(CLOSED_PORT_BROKER)
    yield
    monkeypatch.undo()
    _use_broker(old)


def test_it_signs_up_and_stores_the_verification_mail_while_the_broker_is_down(
        client, broker_down, django_capture_on_commit_callbacks, eager_celery):
    app.conf.task_always_eager = False  # the broker is really asked, and refuses
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registration:signup"), {
            "email": "rina@example.com", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("registration:signup_done")
    user = User.objects.get(email="rina@example.com")
    row = OutboxTask.objects.get()
    assert row.task == "registration.tasks.send_verification" and row.kwargs["user_id"] == user.pk
    assert row.claimed_until is None and row.attempts == 1 and row.last_error == "OperationalError"
    assert "rina" not in str(row.args) + str(row.kwargs)  # ids only, no personal data
    assert mail.outbox == []

    # The broker is back: the sweep (beat) hands the row over; here tasks run in-process, so the mail is sent.
    app.conf.task_always_eager = True
    assert outbox.send_pending() == 1
    assert not OutboxTask.objects.exists()
    assert [message.to for message in mail.outbox] == [["rina@example.com"]]
    assert "http://testserver/" in mail.outbox[0].body
    assert outbox.send_pending() == 0  # sent once


def test_it_files_a_complaint_and_shows_its_reference_while_the_broker_is_down(
        client, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complaints:new"), complaint_data())
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert client.get(response.url).context["reference"] == complaint.reference
    row = OutboxTask.objects.get()
    assert (row.task, row.kwargs["complaint_id"]) == ("complaints.tasks.send_receipt", complaint.pk)


def test_it_closes_a_wave_while_the_broker_is_down_and_the_screening_follows(
        staff, broker_down, django_capture_on_commit_callbacks):
    now = timezone.now()
    wave = waves.publish_wave(wave=Wave.objects.create(number=70, quota=5, opens_at=now - dt.timedelta(days=1),
                                                       closes_at=now + dt.timedelta(days=1)), by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert waves.close_wave(wave=wave, by=staff) is True
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CLOSED
    assert list(OutboxTask.objects.values_list("task", "args")) == [("eligibility.screening.tasks.screen_wave",
                                                                    [wave.pk])]
    assert outbox.send_pending() == 0  # still down: kept, counted
    assert OutboxTask.objects.get().attempts == 2


def test_the_sweep_leaves_a_row_another_process_has_claimed(db):
    from registration import tasks

    OutboxTask.objects.create(task=tasks.send_verification.name, kwargs={"user_id": 1},
                              claimed_until=timezone.now() + dt.timedelta(seconds=30))
    assert outbox.send_pending() == 0
    assert OutboxTask.objects.get().attempts == 0


def test_the_sweep_hands_rows_to_a_working_broker(db, django_capture_on_commit_callbacks):
    # The configured broker (the embedded one, or Redis in CI) accepts; the row is deleted.
    from registration import tasks

    OutboxTask.objects.create(task=tasks.send_verification.name,
                              kwargs={"user_id": 0, "base_url": "http://testserver/", "language": "id"})
    assert outbox.send_pending() == 1
    assert not OutboxTask.objects.exists()
