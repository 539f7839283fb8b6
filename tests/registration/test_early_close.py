"""A wave closed before its deadline: the landing and wave pages show when it really closed (closed_at), not the
original deadline as the end of the window."""
import html
from unittest import mock

import pytest
from django.urls import reverse

from eligibility import waves
from eligibility.screening import tasks
from prakerja.lib.timefmt import format_wib

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_early(open_wave_12, staff):
    with mock.patch.object(tasks.screen_wave, "delay_on_commit"):
        waves.close_wave(wave=open_wave_12, by=staff)
    open_wave_12.refresh_from_db()
    assert open_wave_12.closed_at < open_wave_12.closes_at
    return open_wave_12


@pytest.mark.parametrize("page", ["landing", "wave"])
def test_it_shows_the_real_end_of_an_early_closed_wave(client, closed_early, page):
    url = reverse("registration:landing") if page == "landing" else reverse("registration:wave", args=[12])
    text = html.unescape(client.get(url).content.decode())
    closed, deadline = format_wib(closed_early.closed_at), format_wib(closed_early.closes_at)
    window = text[text.index('id="window"'):]
    window = window[:window.index("</dd>")]
    assert f"– {closed}" in window and f"ditutup lebih awal; batas waktunya {deadline}" in window
    assert 'id="closed-early"' in text


def test_it_shows_the_deadline_of_a_wave_that_closed_on_time(client, open_wave_12):
    text = html.unescape(client.get(reverse("registration:wave", args=[12])).content.decode())
    assert f"– {format_wib(open_wave_12.closes_at)}" in text and "lebih awal" not in text
