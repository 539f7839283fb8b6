"""The nightly revocation: recipients past their training deadline whom the latest import does not list are revoked
for not starting a training, and their places filled; nothing before the first import; the promoted get their own
deadline; revoked for no training may join a later wave, revoked for fraud may not."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from aftercare import services, tasks
from aftercare.models import Promotion, Revocation, TrainingStartImport
from eligibility.models.screening import ScreeningResult
from registration.models import Registration
from registration.services import JoinRefused, check_can_join
from tests.aftercare.conftest import by_rank, make_wave, new_person, recipients, register, screen, select

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(settings):
    settings.TRAINING_DEADLINE_DAYS = 30
    wave = make_wave(number=20, quota=2)
    for _ in range(4):
        register(new_person(), wave)
    screen(wave)
    return select(wave)


def nik(pk: int) -> str:
    return Registration.objects.get(pk=pk).applicant.nik


def test_it_revokes_nobody_before_the_first_import(drawn):
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)):
        assert tasks.revoke_past_training_deadline() == 0
    assert not Revocation.objects.exists()


def test_it_revokes_those_who_did_not_start_and_fills_the_places(drawn, tmp_path):
    first, second, third, fourth = by_rank(drawn)
    started = tmp_path / "mulai.csv"
    started.write_text(f"nik\n{nik(first)}\nbukan-nik\n")
    with time_machine.travel(timezone.now() + dt.timedelta(days=29)):
        call_command("record_training_starts", str(started))
        assert tasks.revoke_past_training_deadline() == 0  # an import before the deadline says nothing yet
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        call_command("record_training_starts", str(started))
        assert tasks.revoke_past_training_deadline() == 1
    assert Revocation.objects.get().registration_id == second
    assert recipients(drawn) == {first, third}
    assert TrainingStartImport.objects.latest("at").bad_rows == 1
    # The promoted applicant's deadline runs from the promotion: the same import does not revoke them.
    with time_machine.travel(timezone.now() + dt.timedelta(days=32)):
        call_command("record_training_starts", str(started))
        assert tasks.revoke_past_training_deadline() == 0
    promoted_at = Promotion.objects.get().at
    with time_machine.travel(promoted_at + dt.timedelta(days=31)):
        call_command("record_training_starts", str(started))
        assert tasks.revoke_past_training_deadline() == 1
    assert recipients(drawn) == {first, fourth}


def test_revoked_for_no_training_may_join_a_later_wave_but_fraud_may_not(drawn, staff, tmp_path):
    first, second, *_ = by_rank(drawn)
    services.revoke_recipient(registration=Registration.objects.get(pk=first), reason="no_training", by=staff)
    listed = tmp_path / "fraud.txt"
    listed.write_text(nik(second) + "\n")
    call_command("revoke_recipients", "20", str(listed), "fraud", "--by", staff.email)
    later = make_wave(number=21, quota=5, days_ago=-1)
    later.opens_at, later.closes_at = timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(days=2)
    for pk, refused in ((first, None), (second, JoinRefused.BARRED)):
        applicant = Registration.objects.get(pk=pk).applicant
        from aftercare.services import is_barred

        recipient = ScreeningResult.objects.filter(registration__applicant=applicant, selected=True).exists()
        try:
            check_can_join(user=applicant.user, applicant=applicant, wave=later, now=timezone.now(),
                           prior_recipient=recipient, barred=is_barred(applicant))
            outcome = None
        except JoinRefused as exc:
            outcome = exc.code
        assert outcome == refused
