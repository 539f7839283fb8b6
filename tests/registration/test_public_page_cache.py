"""Landing and wave pages at the deadline surge: the wave and the unchanging sections are cached a few seconds
per wave, phase and language, in each process (registration.public_pages.PUBLIC_PAGE_SECONDS); the countdown is computed per request."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from registration.models import Wave
from registration.views import PUBLIC_PAGE_SECONDS
from tests.registration.conftest import make_wave

pytestmark = pytest.mark.django_db


START = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def wave(staff):
    with time_machine.travel(START, tick=False):
        return make_wave(number=12, opens_at=START - dt.timedelta(days=1), closes_at=START + dt.timedelta(hours=5),
                         by=staff)


@pytest.mark.parametrize("page", ["registration:landing", "registration:wave"])
def test_it_serves_a_repeat_visit_without_a_query_and_with_an_exact_countdown(client, wave, page,
                                                                             django_assert_num_queries):
    url = reverse(page, args=[12] if page == "registration:wave" else [])
    with time_machine.travel(START, tick=False) as clock:
        assert 'data-seconds="18000"' in client.get(url).content.decode()
        clock.shift(PUBLIC_PAGE_SECONDS - 1)
        with django_assert_num_queries(0):
            html = client.get(url).content.decode()
    assert f'data-seconds="{18000 - PUBLIC_PAGE_SECONDS + 1}"' in html  # counted from this request's time


def test_the_phase_changes_at_the_deadline_even_with_the_wave_cached(client, wave):
    with time_machine.travel(START + dt.timedelta(hours=5, seconds=-2), tick=False) as clock:
        assert 'role="timer"' in client.get(reverse("registration:landing")).content.decode()  # the countdown
        clock.shift(3)  # past the deadline, inside the cache's lifetime
        html = client.get(reverse("registration:landing")).content.decode()
    assert 'role="timer"' not in html
    assert "Pendaftaran gelombang 12 sudah ditutup." in html


def test_a_staff_change_shows_once_the_cache_expires(client, wave):
    with time_machine.travel(START, tick=False) as clock:
        client.get(reverse("registration:wave", args=[12]))
        Wave.objects.filter(pk=wave.pk).update(quota=123_456)
        clock.shift(PUBLIC_PAGE_SECONDS + 1)
        html = client.get(reverse("registration:wave", args=[12])).content.decode()
    assert "123.456" in html


def test_each_language_gets_its_own_sections(client, wave):
    with time_machine.travel(START, tick=False):
        assert "Cara mendaftar" in client.get(reverse("registration:landing")).content.decode()
        client.cookies["django_language"] = "en"
        html = client.get(reverse("registration:landing")).content.decode()
    assert "How to register" in html
    assert "Cara mendaftar" not in html


def test_an_unknown_wave_stays_not_found_while_cached(client, wave):
    with time_machine.travel(START, tick=False):
        assert client.get(reverse("registration:wave", args=[99])).status_code == 404
        assert client.get(reverse("registration:wave", args=[99])).status_code == 404
