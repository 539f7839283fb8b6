"""After the draw, each event is told once, in the applicant's language, from the event's transaction: promotion
(card number, deadline from the promotion), revocation (the reason) and every appeal decision (upheld or rejected,
with the reason). The helpdesk lists what the outbox holds; the promoted get their card number on the dashboard,
and a revoked recipient's ticket equal to the cut-off reads "at or below"."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from aftercare import services
from aftercare.models import Appeal, RevocationReason
from eligibility.cards import card_number
from eligibility.models.draw import PublishedDraw
from notifications import services as outbox
from notifications.models import Notification
from registration.models import Registration
from tests.aftercare.conftest import by_rank, drawn_wave, make_list, make_wave, new_person, register, result_of, screen, select

pytestmark = pytest.mark.django_db


def reg(pk) -> Registration:
    return Registration.objects.select_related("applicant__user", "wave").get(pk=pk)


def sent_to(registration, kind) -> list:
    """Send everything queued; the messages of `kind` that reached `registration`'s address."""
    mail.outbox.clear()
    outbox.send_batch(batch=1000, connection_factory=EmailBackend)
    ids = set(Notification.objects.filter(registration=registration, kind=kind, status="sent").values_list("pk", flat=True))
    assert ids, f"no {kind} sent"
    return [m for m in mail.outbox if m.to == [registration.applicant.user.email]]


def test_it_tells_a_promotion_once_with_the_card_and_the_deadline_from_the_promotion(staff, settings):
    settings.TRAINING_DEADLINE_DAYS = 30
    wave = drawn_wave(quota=2, people=4)
    ranked = by_rank(wave)
    promoted = reg(ranked[2])
    promoted.applicant.user.language = "en"
    promoted.applicant.user.save(update_fields=["language"])
    later = timezone.now() + dt.timedelta(days=3)
    with time_machine.travel(later):
        services.revoke_recipient(registration=reg(ranked[0]), reason=RevocationReason.NO_TRAINING, by=staff)
        check_promotion_told(promoted, ranked, staff, later)


def check_promotion_told(promoted, ranked, staff, later):
    result = result_of(promoted)
    assert (result.selected, result.rank, result.card_number) == (True, 3, card_number(20, 3))
    row = Notification.objects.get(registration=promoted, kind="promoted")
    assert (row.language, row.status) == ("en", "queued")
    # Told once: another fill of places adds nothing for it.
    services.revoke_recipient(registration=reg(ranked[1]), reason=RevocationReason.NO_TRAINING, by=staff)
    assert Notification.objects.filter(registration=promoted, kind="promoted").count() == 1
    messages = [m for m in sent_to(promoted, "promoted") if m.subject == "You now receive Kartu Prakerja: wave 20"]
    assert len(messages) == 1 and card_number(20, 3) in messages[0].body
    deadline = (later + dt.timedelta(hours=7)).date() + dt.timedelta(days=30)
    assert f"{deadline.day} {deadline:%B} {deadline.year}" in messages[0].body
    # The dashboard shows the card number, never "None".
    from django.test import Client

    client = Client()
    client.force_login(promoted.applicant.user)
    page = client.get(reverse("registration:dashboard")).content.decode()
    assert f'id="card-number">{card_number(20, 3)}<' in page and ">None<" not in page


def test_it_tells_a_revocation_with_its_reason_in_the_applicants_language(staff):
    wave = drawn_wave(quota=1, people=2)
    winner = reg(by_rank(wave)[0])
    services.revoke_recipient(registration=winner, reason=RevocationReason.FRAUD, by=staff)
    row = Notification.objects.get(registration=winner, kind="revoked")
    assert row.language == "id"
    (message,) = [m for m in sent_to(winner, "revoked")
                  if m.subject == "Kartu Prakerja Anda di gelombang 20 dicabut"]
    assert "dicabut: Kecurangan." in message.body


def test_it_tells_each_appeal_decision_once_keyed_by_the_appeal(staff, settings):
    settings.APPEAL_WINDOW_DAYS = 3
    wave = make_wave(number=21, quota=2)
    person = new_person()
    registration = register(person, wave)
    for _ in range(3):
        register(new_person(), wave)
    make_list("asn", [person])
    make_list("bansos", [person])
    screen(wave)
    first = services.file_appeal(registration=registration, reason="asn", statement="Bukan ASN.", files=[])
    second = services.file_appeal(registration=registration, reason="bansos", statement="Bukan penerima.", files=[])
    services.decide_appeal(appeal=first, upheld=True, reason="SK pemberhentian.", by=staff)
    services.decide_appeal(appeal=second, upheld=False, reason="Masih tercatat di DTKS.", by=staff)
    rows = Notification.objects.filter(registration=registration, kind="appeal_decided").order_by("ref")
    assert list(rows.values_list("ref", flat=True)) == [first.pk, second.pk]
    bodies = [m.body for m in sent_to(registration, "appeal_decided")]
    assert any("SK pemberhentian." in b and "diterima" in b for b in bodies)
    assert any("Masih tercatat di DTKS." in b and "ditolak" in b for b in bodies)
    with pytest.raises(services.AftercareError):
        services.decide_appeal(appeal=Appeal.objects.get(pk=second.pk), upheld=True, reason="lagi", by=staff)
    assert Notification.objects.filter(registration=registration, kind="appeal_decided").count() == 2


def test_the_helpdesk_lists_the_outbox_rows(client, staff):
    wave = drawn_wave(quota=1, people=2)
    winner = reg(by_rank(wave)[0])
    services.revoke_recipient(registration=winner, reason=RevocationReason.FRAUD, by=staff)
    client.force_login(staff)
    html = client.post(reverse("aftercare:helpdesk"), {"query": winner.applicant.nik},
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-kind="selection" data-status="queued"' in html
    assert 'data-kind="revoked" data-status="queued"' in html
    assert "None recorded." not in html


def test_a_revoked_recipient_at_the_cut_off_reads_at_or_below(client, staff):
    wave = drawn_wave(quota=2, people=3)
    last = reg(by_rank(wave)[1])  # rank 2 = quota: its ticket IS the cut-off
    assert PublishedDraw.objects.get(wave=wave).cutoff_ticket
    services.revoke_recipient(registration=last, reason=RevocationReason.NO_TRAINING, by=staff)
    client.force_login(last.applicant.user)
    page = client.get(reverse("registration:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your ticket is at or below the cut-off" in page
    assert "above the cut-off" not in page
