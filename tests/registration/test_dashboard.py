"""The dashboard: registrations per wave with their outcome, and the join button or why not."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from eligibility.models import ScreeningResult
from registration.models import Wave
from tests.registration.conftest import make_wave, register

pytestmark = pytest.mark.django_db


def page(client) -> str:
    response = client.get(reverse("registration:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def past_waves(staff):
    now = timezone.now()
    return [
        make_wave(number=n, opens_at=now - dt.timedelta(days=100 - 10 * i), closes_at=now - dt.timedelta(days=95 - 10 * i),
                  by=staff, status=Wave.Status.SELECTED)
        for i, n in enumerate(range(8, 12))
    ]


def test_a_registration_without_screening_shows_registered(applicant_client, applicant, open_wave_12):
    register(applicant, open_wave_12)
    html = page(applicant_client)
    assert 'data-status="registered"' in html
    assert "Terdaftar" in html
    assert 'id="join-button"' not in html  # already joined the accepting wave


def test_an_ineligible_registration_lists_every_reason_in_plain_words(applicant_client, applicant, open_wave_12,
                                                                      closed_wave_11):
    registration = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=registration, wave=closed_wave_11, status="ineligible",
                                   reasons="asn;kk_limit")
    html = page(applicant_client)
    assert 'data-status="ineligible"' in html
    assert "Tidak memenuhi syarat" in html
    assert str(ScreeningResult.objects.get().reason_labels[0]) in html
    assert len(ScreeningResult.objects.get().reason_labels) == 2
    for label in ScreeningResult.objects.get().reason_labels:
        assert label in html
    assert "Gelombang berikutnya yang dapat Anda ikuti: gelombang 12" in html


def test_a_prior_awardee_is_not_invited_to_the_next_wave(applicant_client, applicant, open_wave_12, closed_wave_11):
    registration = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=registration, wave=closed_wave_11, status="ineligible",
                                   reasons="prior_awardee")
    assert "Gelombang berikutnya" not in page(applicant_client)


def test_an_eligible_registration_awaits_the_draw(applicant_client, applicant, closed_wave_11):
    registration = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=registration, wave=closed_wave_11, status="eligible")
    html = page(applicant_client)
    assert 'data-status="eligible"' in html
    assert "Memenuhi syarat" in html


def test_a_selected_applicant_is_congratulated_and_cannot_join_again(applicant_client, applicant, open_wave_12,
                                                                     closed_wave_11):
    registration = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=registration, wave=closed_wave_11, status="eligible", rank=7,
                                   selected=True)
    html = page(applicant_client)
    assert 'data-status="selected"' in html
    assert "Terpilih" in html
    assert 'data-code="prior_recipient"' in html
    assert 'id="join-button"' not in html


def test_a_not_selected_applicant_is_shown_the_next_wave_to_join(applicant_client, applicant, open_wave_12,
                                                                 closed_wave_11):
    registration = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=registration, wave=closed_wave_11, status="eligible", rank=900_001,
                                   selected=False)
    html = page(applicant_client)
    assert 'data-status="not_selected"' in html
    assert "Tidak terpilih" in html
    assert "Gelombang berikutnya yang dapat Anda ikuti: gelombang 12" in html
    assert 'id="join-button"' in html


def test_not_selected_without_a_next_wave_says_it_is_not_announced(applicant_client, applicant, closed_wave_11):
    registration = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=registration, wave=closed_wave_11, status="eligible", selected=False)
    assert "Gelombang berikutnya belum diumumkan" in page(applicant_client)


def test_the_join_button_shows_for_an_allowed_applicant(applicant_client, open_wave_12):
    html = page(applicant_client)
    assert 'id="join-button"' in html
    assert reverse("registration:join", args=[12]) in html
    assert "Gabung Gelombang" in html


@pytest.mark.parametrize("case, code", [
    ("unverified", "email_unverified"),
    ("no_profile", "profile_incomplete"),
    ("too_young", "too_young"),
])
def test_the_reason_replaces_the_join_button(client, open_wave_12, verified_user, case, code):
    from tests.registration.conftest import make_applicant

    if case == "unverified":
        user = make_applicant(email="u@example.com", nik="3578010505950002", kk="3578010101200002",
                              phone="+6281298765432", verified=False).user
    elif case == "no_profile":
        user = verified_user
    else:
        birth = timezone.localdate() - dt.timedelta(days=17 * 365)
        user = make_applicant(email="y@example.com", nik=f"357801{birth:%d%m%y}0002", kk="3578010101200002",
                              phone="+6281298765432").user
    client.force_login(user)
    html = page(client)
    assert f'data-code="{code}"' in html
    assert 'id="join-button"' not in html


def test_an_upcoming_wave_shows_when_it_opens(applicant_client, staff):
    make_wave(number=13, opens_at=timezone.now() + dt.timedelta(days=3), closes_at=timezone.now() + dt.timedelta(days=6),
              by=staff)
    html = page(applicant_client)
    assert 'data-code="not_open"' in html
    assert "Pendaftaran gelombang 13 dibuka pada" in html


def test_the_dashboard_runs_a_fixed_number_of_queries(client, applicant, open_wave_12, past_waves,
                                                      django_assert_num_queries, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # production's, with a shared cache
    for i, wave in enumerate(past_waves):
        registration = register(applicant, wave)
        ScreeningResult.objects.create(registration=registration, wave=wave, status=["eligible", "ineligible"][i % 2],
                                       reasons="" if i % 2 == 0 else "bansos;bsu", selected=False if i % 2 == 0 else None)
    register(applicant, open_wave_12)
    client.force_login(applicant.user)
    # user with its applicant (registration.backends), registrations with waves, draws, results and revocations,
    # their appeals, open waves, the KK's recipients; the session comes from the cache
    with django_assert_num_queries(5):
        html = page(client)
    assert html.count('class="registration"') == 5


def test_someone_else_s_registrations_are_not_shown(client, applicant, other_applicant, open_wave_12):
    register(other_applicant, open_wave_12)
    client.force_login(applicant.user)
    html = page(client)
    assert 'data-status="registered"' not in html
    assert "Anda belum bergabung di gelombang mana pun" in html


def test_a_staff_account_without_profile_sees_an_empty_dashboard(client, staff, open_wave_12):
    client.force_login(staff)
    assert 'data-code="profile_incomplete"' in page(client)
