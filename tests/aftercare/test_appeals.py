"""Appeals (sanggahan): filed within the window per reason; upheld, an override the screening honours on every run;
before the selection the registration joins the lottery, after it the reserve in its rank; the selection waits."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from aftercare import services
from aftercare.models import Appeal
from eligibility import waves
from eligibility.models.screening import ScreeningResult
from eligibility.screening.sql import ScreeningError
from tests.aftercare.conftest import by_rank, make_list, make_wave, new_person, recipients, register, result_of, screen, select

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(settings):
    settings.APPEAL_WINDOW_DAYS = 3


@pytest.fixture
def screened(db, window):
    """Wave 20, quota 2: four eligible people and one on the ASN list (a stale list, say)."""
    wave = make_wave(number=20, quota=2)
    people = [new_person() for _ in range(5)]
    registrations = [register(p, wave) for p in people]
    make_list("asn", [people[0]])
    screen(wave)
    return wave, registrations[0]


def file(registration, reason="asn"):
    return services.file_appeal(registration=registration, reason=reason, statement="Saya bukan ASN sejak 2019.",
                                files=[])


def test_it_files_an_appeal_within_the_window_only(screened):
    wave, appellant = screened
    appeal = file(appellant)
    assert (appeal.status, appeal.reason) == ("pending", "asn")
    with pytest.raises(services.AftercareError):
        file(appellant)  # once per reason
    with pytest.raises(services.AftercareError):
        file(appellant, reason="bansos")  # not a reason of this result
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, minutes=1)):
        Appeal.objects.all().delete()
        with pytest.raises(services.AftercareError):
            file(appellant)


def test_it_turns_appeals_off_with_a_zero_window(screened, settings):
    settings.APPEAL_WINDOW_DAYS = 0
    with pytest.raises(services.AftercareError):
        file(screened[1])


def test_it_makes_the_selection_wait_for_the_window_and_every_decision(screened, staff):
    wave, appellant = screened
    appeal = file(appellant)
    with pytest.raises(ScreeningError, match="3"):
        waves.select_awardees(wave=wave, by=staff)
    assert "waits for the appeal window" in waves.refusal("select", wave).bilingual()
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        with pytest.raises(ScreeningError, match="1"):
            waves.select_awardees(wave=wave, by=staff)
        assert "waits for 1 appeals to be decided" in waves.refusal("select", wave).bilingual()
        services.decide_appeal(appeal=appeal, upheld=False, reason="Data BKN terbaru masih mencatat Anda.", by=staff)
        assert waves.refusal("select", wave) is None
        assert "1 filed, 0 upheld" in waves.statement("select", wave).bilingual()
        assert waves.select_awardees(wave=wave, by=staff) == 2
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by, appeal.decision_reason) == (
        "rejected", staff, "Data BKN terbaru masih mencatat Anda.")
    assert result_of(appellant).status == "ineligible"


@pytest.mark.parametrize(("language", "message"), [
    ("id", "Pengundian gelombang 20 menunggu masa sanggah"),
    ("en", "The selection of wave 20 waits for the appeal window")])
def test_the_admin_refuses_the_selection_before_the_confirmation_page(client, screened, staff, language, message):
    # Like the publish-order refusal (tests/eligibility/test_publish_order_early.py): no "Yes, do it" button that
    # would only repeat the refusal.
    wave, _appellant = screened
    client.force_login(staff)
    response = client.post(reverse("admin:registration_wave_changelist"),
                           {"action": "run_selection", "_selected_action": [wave.pk]},
                           HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert message in response.content.decode()
    assert "eligibility/wave_confirm_action.html" not in [t.name for t in response.templates]
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        response = client.post(reverse("admin:registration_wave_changelist"),
                               {"action": "run_selection", "_selected_action": [wave.pk]})
        assert "eligibility/wave_confirm_action.html" in [t.name for t in response.templates]


def test_the_command_refuses_the_selection_before_asking(screened, capsys):
    wave, _appellant = screened
    with pytest.raises(CommandError, match="waits for the appeal window"):
        call_command("select_awardees", str(wave.number))  # no --yes and no terminal: it would stop at the question
    assert "Run the selection of wave 20" not in capsys.readouterr().out


def test_it_upheld_before_the_selection_joins_the_lottery_and_survives_a_rescreen(screened, staff):
    wave, appellant = screened
    appeal = file(appellant)
    services.decide_appeal(appeal=appeal, upheld=True, reason="SK pemberhentian ASN terlampir.", by=staff)
    assert (result_of(appellant).status, result_of(appellant).reasons) == ("eligible", "")
    # A re-screen with the same stale list keeps the override.
    screen(wave, restart=True)
    assert (result_of(appellant).status, result_of(appellant).reasons) == ("eligible", "")
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        select(wave)
    assert result_of(appellant).rank is not None
    assert ScreeningResult.objects.filter(wave_id=wave.pk, rank__isnull=False).count() == 5


def test_it_keeps_other_reasons_when_one_is_upheld(db, window, staff):
    wave = make_wave(number=20, quota=2)
    person = new_person()
    registration = register(person, wave)
    make_list("asn", [person])
    make_list("bansos", [person])
    screen(wave)
    services.decide_appeal(appeal=file(registration), upheld=True, reason="Bukan ASN.", by=staff)
    assert (result_of(registration).status, result_of(registration).reasons) == ("ineligible", "bansos")
    screen(wave, restart=True)
    assert (result_of(registration).status, result_of(registration).reasons) == ("ineligible", "bansos")


def test_it_upheld_after_the_selection_joins_the_reserve_in_its_rank(screened, staff, settings):
    wave, appellant = screened
    appeal = file(appellant)
    # Decided after the window, once the selection has run (staff may decide late; the draw waited for none).
    settings.APPEAL_WINDOW_DAYS = 0
    Appeal.objects.filter(pk=appeal.pk).delete()
    select(wave)
    before = by_rank(wave)
    chosen = recipients(wave)
    late = Appeal.objects.create(registration=appellant, reason="asn", statement="Bukan ASN.")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        services.decide_appeal(appeal=late, upheld=True, reason="SK pemberhentian.", by=staff)
    after = by_rank(wave)
    result = result_of(appellant)
    assert (result.status, result.selected) == ("eligible", False)
    assert after[result.rank - 1] == appellant.pk
    assert [pk for pk in after if pk != appellant.pk] == before  # everyone else keeps their order
    assert after[:wave.quota] == before[:wave.quota]  # recipients keep their ranks
    assert result.rank > wave.quota  # the reserve, never within the quota
    assert recipients(wave) == chosen  # the quota is full: nobody is displaced
    # Its rank is its ticket's place among the reserve (tests/aftercare/test_late_entry_keeps_the_draw.py).
    import hashlib
    from registration.models import Registration

    reserve = after[wave.quota:]
    tickets = sorted((hashlib.sha256(f"{wave.seed}:{r.applicant.nik}".encode()).hexdigest(), r.pk)
                     for r in Registration.objects.filter(pk__in=reserve).select_related("applicant"))
    assert [pk for _t, pk in tickets] == reserve

