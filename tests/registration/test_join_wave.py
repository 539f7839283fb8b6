"""join_wave: who may join, when, and what the registration records."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from eligibility.models import ScreeningResult
from prakerja.lib.digest import keyed_digest
from prakerja.lib.timefmt import format_wib
from registration.models import Registration, User, Wave
from registration.services import JoinRefused, join_wave
from tests.registration.conftest import make_applicant, make_wave, register

pytestmark = pytest.mark.django_db

IP = "203.0.113.9"
UA = "Mozilla/5.0 (Linux; Android 12) Chrome/120"


def join(applicant, wave):
    return join_wave(applicant=applicant, wave=wave, ip=IP, user_agent=UA)


def refusal(applicant, wave) -> JoinRefused:
    with pytest.raises(JoinRefused) as refused:
        join(applicant, wave)
    return refused.value


def test_it_registers_and_records_digests_and_time_since_signup(applicant, open_wave_12):
    User.objects.filter(pk=applicant.pk).update(date_joined=timezone.now() - dt.timedelta(minutes=5))
    registration = join(applicant, open_wave_12)
    registration.refresh_from_db()
    assert registration.wave == open_wave_12
    assert registration.applicant == applicant
    assert registration.nik_digest == keyed_digest("3201014112900001")
    assert registration.kk_digest == keyed_digest("3201010101200001")
    assert registration.ip_digest == keyed_digest(IP)
    assert registration.user_agent_digest == keyed_digest(UA)
    assert 300 <= registration.seconds_since_signup < 310


def test_a_second_try_returns_the_existing_registration(applicant, open_wave_12):
    first = join(applicant, open_wave_12)
    refused = refusal(applicant, open_wave_12)
    assert refused.code == JoinRefused.ALREADY_REGISTERED
    assert refused.registration == first
    assert "Anda sudah bergabung di gelombang 12" in refused.message
    assert Registration.objects.count() == 1


def test_the_deadline_one_second_before_closes_at_is_accepted(applicant, open_wave_12):
    with time_machine.travel(open_wave_12.closes_at - dt.timedelta(seconds=1), tick=False):
        registration = join(applicant, open_wave_12)
    assert registration.registered_at == open_wave_12.closes_at - dt.timedelta(seconds=1)


def test_the_deadline_at_closes_at_is_refused(applicant, open_wave_12):
    with time_machine.travel(open_wave_12.closes_at, tick=False):
        refused = refusal(applicant, open_wave_12)
    assert refused.code == JoinRefused.CLOSED
    assert refused.message == "Pendaftaran gelombang 12 sudah ditutup."
    assert not Registration.objects.exists()


def test_a_wave_closed_early_by_staff_is_refused(applicant, open_wave_12):
    Wave.objects.filter(pk=open_wave_12.pk).update(status=Wave.Status.CLOSED, closed_at=timezone.now())
    # The caller's copy still says "open": the service reads the row inside its transaction.
    assert refusal(applicant, open_wave_12).code == JoinRefused.CLOSED


def test_a_wave_not_yet_open_is_refused_with_its_opening_time(applicant, staff):
    opens = timezone.now() + dt.timedelta(days=2)
    wave = make_wave(number=13, opens_at=opens, closes_at=opens + dt.timedelta(days=3), by=staff)
    refused = refusal(applicant, wave)
    assert refused.code == JoinRefused.NOT_OPEN
    assert "Pendaftaran gelombang 13 dibuka pada" in refused.message
    assert format_wib(opens) in refused.message


def test_a_draft_wave_is_refused(applicant, db):
    now = timezone.now()
    wave = Wave.objects.create(number=14, quota=5, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1))
    assert refusal(applicant, wave).code == JoinRefused.NOT_OPEN


def test_the_opening_moment_itself_is_accepted(applicant, open_wave_12):
    with time_machine.travel(open_wave_12.opens_at, tick=False):
        join(applicant, open_wave_12)
    with time_machine.travel(open_wave_12.opens_at - dt.timedelta(seconds=1), tick=False):
        other = make_applicant(email="x@example.com", nik="3578010505950002", kk="3578010101200002",
                               phone="+6281298765432")
        assert refusal(other, open_wave_12).code == JoinRefused.NOT_OPEN


def test_an_unverified_account_is_refused(open_wave_12):
    unverified = make_applicant(email="new@example.com", nik="3578010505950002", kk="3578010101200002",
                                phone="+6281298765432", verified=False)
    refused = refusal(unverified, open_wave_12)
    assert refused.code == JoinRefused.EMAIL_UNVERIFIED
    assert "Verifikasi alamat e-mail Anda terlebih dahulu" in refused.message


def test_an_incomplete_profile_is_refused(applicant, open_wave_12):
    applicant.__class__.objects.filter(pk=applicant.pk).update(not_in_formal_education=False)
    refused = refusal(applicant, open_wave_12)
    assert refused.code == JoinRefused.PROFILE_INCOMPLETE
    assert "Lengkapi profil Anda terlebih dahulu" in refused.message


def test_an_applicant_under_18_on_the_day_of_joining_is_refused(open_wave_12):
    today = timezone.localdate()
    birth = today.replace(year=today.year - 18) + dt.timedelta(days=1)  # turns 18 tomorrow
    nik = f"357801{birth:%d%m%y}0002"  # a man: the day as is
    young = make_applicant(email="muda@example.com", nik=nik, kk="3578010101200002", phone="+6281298765432")
    refused = refusal(young, open_wave_12)
    assert refused.code == JoinRefused.TOO_YOUNG
    assert "Anda harus berusia 18 tahun atau lebih" in refused.message
    assert "Anda berusia 18 tahun pada" in refused.message
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        join(young, open_wave_12)  # on the 18th birthday


def test_a_recipient_of_an_earlier_wave_is_refused(applicant, open_wave_12, closed_wave_11):
    earlier = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=earlier, wave=closed_wave_11, status="eligible", rank=1, selected=True)
    refused = refusal(applicant, open_wave_12)
    assert refused.code == JoinRefused.PRIOR_RECIPIENT
    assert "sudah menjadi penerima Kartu Prakerja" in refused.message


@pytest.mark.parametrize("status, selected", [("eligible", False), ("ineligible", None)])
def test_those_not_selected_or_ineligible_earlier_may_join_the_next_wave(applicant, open_wave_12, closed_wave_11,
                                                                         status, selected):
    earlier = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=earlier, wave=closed_wave_11, status=status,
                                   reasons="" if status == "eligible" else "bansos", selected=selected)
    assert join(applicant, open_wave_12).wave == open_wave_12


def test_the_join_button_posts_to_the_service_and_shows_the_dashboard(applicant_client, open_wave_12):
    response = applicant_client.post(reverse("registration:join", args=[12]), REMOTE_ADDR=IP, HTTP_USER_AGENT=UA,
                                     follow=True)
    assert response.redirect_chain[-1][0] == reverse("registration:dashboard")
    assert "Anda telah bergabung di gelombang 12" in response.content.decode()
    registration = Registration.objects.get()
    assert registration.ip_digest == keyed_digest(IP)
    again = applicant_client.post(reverse("registration:join", args=[12]), follow=True)
    assert "Anda sudah bergabung di gelombang 12" in again.content.decode()
    assert Registration.objects.count() == 1


def test_behind_a_proxy_the_client_address_comes_from_the_configured_header(applicant_client, open_wave_12,
                                                                            settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"  # one address, set by the proxy
    applicant_client.post(reverse("registration:join", args=[12]), REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP=IP,
                          HTTP_USER_AGENT=UA)
    assert Registration.objects.get().ip_digest == keyed_digest(IP)  # the client, not the proxy


def test_a_header_that_is_not_one_address_gives_no_ip_digest(applicant_client, open_wave_12, settings):
    """A client-made list (X-Forwarded-For: anything, proxy) is not an address: no forged IP signal is kept."""
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    applicant_client.post(reverse("registration:join", args=[12]), HTTP_X_REAL_IP=f"{IP}, 10.0.0.1")
    registration = Registration.objects.get()
    assert registration.ip_digest is None


def test_a_draft_wave_is_not_found_from_the_join_button(applicant_client, open_wave_12):
    Wave.objects.create(number=14, quota=10, opens_at=open_wave_12.closes_at + dt.timedelta(days=30),
                                closes_at=open_wave_12.closes_at + dt.timedelta(days=33))
    response = applicant_client.post(reverse("registration:join", args=[14]))
    assert response.status_code == 404  # not "registration for wave 14 opens on ...": its dates are not public
    assert not Registration.objects.exists()


def test_the_join_button_needs_a_post_and_a_login(client, applicant_client, open_wave_12):
    # A GET joins nothing: it sends to the dashboard (the next test says why it is not a 405).
    assert applicant_client.get(reverse("registration:join", args=[12]))["Location"] == reverse("registration:dashboard")
    client.logout()
    assert client.post(reverse("registration:join", args=[12])).status_code == 302
    assert not Registration.objects.exists()


INVITATION = "Press “Join the wave” again to join wave"


def _dashboard_after_get(client, number: int) -> str:
    response = client.get(reverse("registration:join", args=[number]), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain == [(reverse("registration:dashboard"), 302)]
    return response.content.decode()


def test_a_get_after_signing_in_invites_to_press_the_button_again(applicant_client, open_wave_12):
    assert f"{INVITATION} 12" in _dashboard_after_get(applicant_client, 12)


def test_a_get_does_not_invite_to_a_wave_already_joined(applicant_client, applicant, open_wave_12):
    join(applicant, open_wave_12)
    assert INVITATION not in _dashboard_after_get(applicant_client, 12)


@pytest.mark.parametrize("status", [Wave.Status.CLOSED, Wave.Status.DRAFT])
def test_a_get_does_not_invite_to_a_wave_not_accepting(applicant_client, open_wave_12, status):
    Wave.objects.filter(pk=open_wave_12.pk).update(status=status)
    assert INVITATION not in _dashboard_after_get(applicant_client, 12)


def test_a_get_does_not_invite_to_a_wave_that_does_not_exist(applicant_client, open_wave_12):
    assert INVITATION not in _dashboard_after_get(applicant_client, 99)


def test_joining_without_a_profile_sends_to_the_profile_page(client, verified_user, open_wave_12):
    client.force_login(verified_user)
    response = client.post(reverse("registration:join", args=[12]))
    assert response["Location"] == reverse("registration:profile")
    assert not Registration.objects.exists()


def test_a_refusal_is_shown_on_the_dashboard(applicant_client, applicant, open_wave_12):
    Wave.objects.filter(pk=open_wave_12.pk).update(status=Wave.Status.CLOSED)
    response = applicant_client.post(reverse("registration:join", args=[12]), follow=True)
    assert "Pendaftaran gelombang 12 sudah ditutup." in response.content.decode()


def test_a_lost_insert_race_reports_the_winner_s_registration(applicant, open_wave_12, monkeypatch):
    # Another click commits its row between our existence check and our insert: the unique constraint
    # fails our insert inside a savepoint, and the winner's row is reported.
    from registration import services

    real_check = services.check_can_join
    winner = {}

    def check_then_lose_the_race(**kwargs):
        real_check(**kwargs)
        winner["registration"] = register(applicant, open_wave_12)

    monkeypatch.setattr(services, "check_can_join", check_then_lose_the_race)
    refused = refusal(applicant, open_wave_12)
    assert refused.code == JoinRefused.ALREADY_REGISTERED
    assert refused.registration == winner["registration"]
    assert Registration.objects.count() == 1


def test_a_join_that_comes_back_from_the_login_page_asks_for_the_button_again(client, applicant, open_wave_12):
    # The session expired: the POST went to the login page, which sends the applicant back here by GET.
    anonymous = client.post(reverse("registration:join", args=[12]))
    assert anonymous.status_code == 302 and "/masuk/" in anonymous["Location"]
    client.force_login(applicant.user)
    response = client.get(reverse("registration:join", args=[12]), follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("registration:dashboard")
    assert "Tekan “Gabung Gelombang” sekali lagi" in html
    assert not Registration.objects.filter(applicant=applicant).exists()  # a GET changes nothing
