"""The mail outbox: queued in the events' transactions, sent at most once, resumed after a mail-server failure."""
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from eligibility.cards import card_number
from eligibility.waves import select_awardees
from notifications import services
from notifications.models import Notification
from registration.models import Registration, User
from registration.services import join_wave

from tests.eligibility.screening.conftest import make_list, make_wave, new_person, register, screen

Status = Notification.Status


@pytest.fixture
def screened_wave(db):
    wave = make_wave(number=76, quota=2)
    people = [new_person() for _ in range(5)]
    make_list("bansos", people[:1])
    User.objects.filter(pk=people[1].pk).update(language="en")
    for person in people:
        register(person, wave)
    screen(wave)
    return wave, people


def test_joining_queues_one_joined_message_in_the_accounts_language(applicant, open_wave_12):
    User.objects.filter(pk=applicant.pk).update(language="en")
    registration = join_wave(applicant=applicant, wave=open_wave_12, ip=None, user_agent=None)
    rows = list(Notification.objects.values_list("registration_id", "kind", "language", "status"))
    assert rows == [(registration.pk, "joined", "en", "queued")]


def test_screening_queues_one_result_per_registration_and_a_rescreen_adds_none(screened_wave):
    wave, people = screened_wave
    assert Notification.objects.filter(wave=wave, kind="result").count() == 5
    screen(wave, restart=True)
    assert Notification.objects.filter(wave=wave, kind="result").count() == 5


def test_the_result_mails_are_queued_by_a_task_of_their_own_kept_in_the_task_outbox(db):
    """The completing transaction only records the task (prakerja.lib.outbox): a broker outage cannot lose the
    mails, and the six-million-row INSERT does not hold back the report summary."""
    from eligibility.screening import services as screening
    from notifications.tasks import queue_result_mails
    from prakerja.models import OutboxTask
    from tests.eligibility.screening.conftest import close, drain

    wave = make_wave(number=77)
    for person in [new_person() for _ in range(3)]:
        register(person, wave)
    close(wave)
    drain(screening.start_screening(wave=wave, by=None))
    assert Notification.objects.filter(wave=wave, kind="result").count() == 0
    task = OutboxTask.objects.get(task="notifications.tasks.queue_result_mails")
    assert task.args == [wave.pk]
    assert queue_result_mails(*task.args) == 3
    assert queue_result_mails(*task.args) == 0  # run twice (at least once delivery): nobody is told twice
    assert Notification.objects.filter(wave=wave, kind="result").count() == 3


def test_the_selection_queues_a_message_for_every_eligible_registration(screened_wave):
    wave, people = screened_wave
    select_awardees(wave=wave, by=None)
    told = set(Notification.objects.filter(wave=wave, kind="selection").values_list("user_id", flat=True))
    assert told == {p.pk for p in people[1:]}


def test_each_message_is_sent_once_with_its_content(screened_wave, settings):
    wave, people = screened_wave
    select_awardees(wave=wave, by=None)
    settings.SITE_URL = "https://prakerja.example"
    totals = services.drain(rate=10_000, batch=3, sleep=lambda s: None)
    assert totals["sent"] == 9 and not totals["more"]
    assert services.drain(rate=10_000, batch=3, sleep=lambda s: None)["sent"] == 0  # nothing twice
    assert len(mail.outbox) == 9
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    by_person = {}
    for message in mail.outbox:
        by_person.setdefault(message.to[0], []).append(message)
    banned = by_person[people[0].user.email]
    assert len(banned) == 1 and "bantuan sosial" in banned[0].body.lower()  # the reason, in Indonesian
    english = by_person[people[1].user.email]
    assert all("Hello" in m.body for m in english)
    selected = Registration.objects.get(wave=wave, applicant=people[2]).result
    mails = [m for p in people[1:] for m in by_person[p.user.email] if "KP-" in m.body]
    assert len(mails) == 2
    numbers = {card_number(wave.number, 1), card_number(wave.number, 2)}
    assert {line.split()[-1] for m in mails for line in m.body.splitlines() if "KP-" in line} == numbers
    assert all("https://prakerja.example/dasbor/" in m.body.splitlines() for m in mail.outbox)
    assert selected is not None


class _DownServer(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("mail server down")


def test_a_mail_server_failure_sends_the_batch_back_to_the_queue(screened_wave):
    wave, _people = screened_wave
    outcome = services.send_batch(batch=10, connection_factory=_DownServer)
    assert (outcome.claimed, outcome.sent, outcome.released) == (5, 0, 5)
    assert set(Notification.objects.values_list("status", "error")) == {("queued", "ConnectionRefusedError")}
    assert services.send_batch(batch=10).claimed == 0  # not before NOTIFICATION_RETRY_SECONDS


def test_after_the_retry_delay_the_released_messages_go_out_once(screened_wave, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    services.send_batch(batch=10, connection_factory=_DownServer)
    time_machine.shift(61)
    assert services.send_batch(batch=10).sent == 5
    assert len(mail.outbox) == 5


def test_a_connection_lost_while_sending_leaves_that_message_unconfirmed(screened_wave):
    calls = []

    class _Drops(EmailBackend):
        def send_messages(self, messages):
            calls.append(1)
            if len(calls) == 2:
                raise smtplib.SMTPServerDisconnected("lost")
            return super().send_messages(messages)

    outcome = services.send_batch(batch=10, connection_factory=_Drops)
    assert (outcome.sent, outcome.unconfirmed, outcome.released) == (1, 1, 3)
    counts = services.progress(wave=screened_wave[0])
    assert (counts["sent"], counts["sending"], counts["queued"]) == (1, 1, 3)


def test_a_claimed_row_whose_worker_died_is_not_resent(screened_wave, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    claimed = services.claim(batch=2)  # the worker dies here, before sending
    time_machine.shift(3600)
    services.drain(rate=10_000, batch=10, sleep=lambda s: None)
    assert len(mail.outbox) == 3
    assert set(Notification.objects.filter(pk__in=claimed).values_list("status", flat=True)) == {"sending"}


def test_a_refused_recipient_fails_that_message_only(screened_wave):
    class _Refuses(EmailBackend):
        def send_messages(self, messages):
            if messages[0].to[0].startswith("person"):
                if not getattr(self, "refused", False):
                    self.refused = True
                    raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such user")})
            return super().send_messages(messages)

    outcome = services.send_batch(batch=10, connection_factory=_Refuses)
    assert (outcome.sent, outcome.failed) == (4, 1)


def test_the_drain_keeps_to_the_rate(screened_wave):
    clock = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    services.drain(rate=2, batch=2, sleep=sleep, clock=lambda: clock[0])
    assert slept == [1.0, 1.0, 0.5]  # 2 + 2 + 1 messages at 2 a second
