"""The lock-out page says for how long logging in is blocked (AXES_COOLOFF_TIME)."""
import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from registration.templatetags.registration_tags import minutes


def render(**context) -> str:
    request = RequestFactory().get("/masuk/")
    request.user = AnonymousUser()
    with translation.override("id"):
        return render_to_string("registration/locked_out.html", {"failure_limit": 5, **context}, request=request)


def test_it_says_how_many_minutes_the_lock_lasts():
    assert "Coba lagi dalam 15 menit." in render(cooloff_timedelta=dt.timedelta(minutes=15))


def test_it_rounds_a_partial_minute_up():
    assert [minutes(dt.timedelta(seconds=s)) for s in (0, 1, 60, 61, 900)] == [0, 1, 1, 2, 15]


def test_it_falls_back_to_later_without_a_cool_off():
    assert "Coba lagi nanti." in render()
