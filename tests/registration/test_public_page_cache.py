"""Landing and wave pages at the deadline surge: served whole to anonymous visitors from a few seconds' cache per
path, language, wave and phase, in each process (registration.public_pages); each visitor still gets their own working
CSRF token and a countdown computed per request; anyone the cached text would not fit (signed in, a message waiting,
a query string) gets the page rendered for them."""
import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from registration.models import Wave
from registration.public_pages import PUBLIC_PAGE_SECONDS
from tests.registration.conftest import make_wave

pytestmark = pytest.mark.django_db


START = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


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


@pytest.mark.parametrize("page", ["registration:landing", "registration:wave"])
def test_two_visitors_of_one_cached_page_each_get_a_token_that_works(wave, page):
    url = reverse(page, args=[12] if page == "registration:wave" else [])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    with time_machine.travel(START, tick=False):
        first_html = first.get(url).content.decode()
        second_html = second.get(url).content.decode()
        # the second page came from the cache: the same text but for the token
        assert TOKEN.sub("", first_html) == TOKEN.sub("", second_html)
        assert "csrf-token-filled-in-per-request" not in second_html
        response = second.post(reverse("set_language"), {"language": "en", "next": url,
                                                          "csrfmiddlewaretoken": TOKEN.search(second_html)[1]})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def test_the_countdown_of_a_cached_page_is_this_requests(client, wave):
    with time_machine.travel(START, tick=False) as clock:
        client.get(reverse("registration:landing"))
        clock.shift(PUBLIC_PAGE_SECONDS - 2)
        html = Client().get(reverse("registration:landing")).content.decode()
    assert f'data-seconds="{5 * 3600 - PUBLIC_PAGE_SECONDS + 2}"' in html
    assert "<!--countdown-" not in html


def test_a_signed_in_visitor_never_gets_the_anonymous_page(client, applicant, wave):
    with time_machine.travel(START, tick=False):
        logout = reverse("registration:logout")
        assert logout not in Client().get(reverse("registration:landing")).content.decode()  # cached, anonymous
        client.force_login(applicant.user)
        html = client.get(reverse("registration:landing")).content.decode()
    assert logout in html  # the log-out button of their own header
    assert reverse("registration:dashboard") in html


def test_a_waiting_message_is_shown_not_swallowed_by_the_cache(client, wave):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    with time_machine.travel(START, tick=False):
        Client().get(reverse("registration:landing"))  # the page is cached
        # A message left by the previous page for this visitor, in the cookie Django's messages keep it in.
        storage = CookieStorage(RequestFactory().get("/"))
        client.cookies[storage.cookie_name] = storage._encode([Message(constants.SUCCESS, "Pesan untuk Anda")])
        html = client.get(reverse("registration:landing")).content.decode()
    assert "Pesan untuk Anda" in html


def test_a_query_string_gets_its_own_rendering(client, wave):
    with time_machine.travel(START, tick=False):
        Client().get(reverse("registration:landing"))
        html = client.get(reverse("registration:landing") + "?utm_source=wa").content.decode()
    assert 'name="next" value="/?utm_source=wa"' in html
