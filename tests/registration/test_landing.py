import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from eligibility.waves import unsealed_seed
from registration.models import Wave
from tests.registration.conftest import make_wave

pytestmark = pytest.mark.django_db


def test_it_shows_the_open_wave_deadline_in_wib_with_a_countdown(client, staff):
    # Frozen: Friday 27 November 2026, 10:00 WIB; the deadline is Monday 30 November, 12:00 WIB.
    with time_machine.travel(dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC), tick=False):
        make_wave(number=12, opens_at=timezone.now() - dt.timedelta(days=1),
                  closes_at=dt.datetime(2026, 11, 30, 5, 0, tzinfo=dt.UTC), by=staff)
        response = client.get(reverse("registration:landing"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Gelombang 12" in html
    assert "Senin, 30 November 2026 12.00 WIB" in html
    assert "3 hari 2 jam lagi" in html  # rendered by the server: works without JavaScript
    assert 'data-seconds="266400"' in html  # 3 days 2 hours, ticked by static/js/countdown.js


def test_it_counts_hours_and_minutes_on_the_last_day(client, open_wave_12):
    Wave.objects.filter(pk=open_wave_12.pk).update(closes_at=timezone.now() + dt.timedelta(hours=5, minutes=30, seconds=30))
    response = client.get(reverse("registration:landing"))
    assert "5 jam 30 menit lagi" in response.content.decode()


@override_settings(OFFICIAL_SITE_URL="https://www.prakerja.go.id")
def test_it_warns_that_registration_is_free_and_links_the_complaint_pages(client, open_wave_12):
    html = client.get(reverse("registration:landing")).content.decode()
    assert "Pendaftaran gratis" in html
    assert "joki" in html
    assert "https://www.prakerja.go.id" in html
    assert reverse("complaints:warning") in html
    assert reverse("complaints:new") in html


def test_it_explains_how_to_register(client, open_wave_12):
    html = client.get(reverse("registration:landing")).content.decode()
    assert "Cara mendaftar" in html
    assert "Gabung Gelombang" in html


def test_it_publishes_the_seed_commitment_but_never_the_seed_before_selection(client, open_wave_12):
    html = client.get(reverse("registration:landing")).content.decode()
    assert open_wave_12.seed_commitment in html
    assert unsealed_seed(open_wave_12) not in html
    html = client.get(reverse("registration:wave", args=[12])).content.decode()
    assert open_wave_12.seed_commitment in html
    assert unsealed_seed(open_wave_12) not in html


def test_it_reveals_the_seed_beside_its_commitment_after_selection(client, open_wave_12):
    seed = unsealed_seed(open_wave_12)
    Wave.objects.filter(pk=open_wave_12.pk).update(status=Wave.Status.SELECTED, seed=seed,
                                                   seed_revealed_at=timezone.now())
    html = client.get(reverse("registration:wave", args=[12])).content.decode()
    assert seed in html
    assert open_wave_12.seed_commitment in html


def test_the_wave_page_shows_quota_window_and_status(client, open_wave_12):
    html = client.get(reverse("registration:wave", args=[12])).content.decode()
    assert "600.000" in html
    assert "Menerima pendaftaran" in html  # Wave.Phase.ACCEPTING in Indonesian
    local = timezone.localtime(open_wave_12.closes_at)
    assert f"{local:%H.%M} WIB" in html


def test_a_published_wave_that_opens_later_says_so_not_open(client, open_wave_12):
    later = Wave.objects.create(number=13, quota=5, opens_at=timezone.now() + dt.timedelta(days=20),
                                closes_at=timezone.now() + dt.timedelta(days=23), status=Wave.Status.OPEN)
    html = client.get(reverse("registration:wave", args=[later.number])).content.decode()
    assert "Segera dibuka" in html and "Menerima pendaftaran" not in html


def test_the_wave_page_of_a_draft_or_unknown_wave_is_not_found(client, staff):
    Wave.objects.create(number=13, quota=5, opens_at=timezone.now() + dt.timedelta(days=30),
                        closes_at=timezone.now() + dt.timedelta(days=33))
    assert client.get(reverse("registration:wave", args=[13])).status_code == 404
    assert client.get(reverse("registration:wave", args=[99])).status_code == 404


def test_it_announces_an_upcoming_wave(client, staff):
    make_wave(number=12, opens_at=timezone.now() + dt.timedelta(days=2, minutes=1),
              closes_at=timezone.now() + dt.timedelta(days=5), by=staff)
    html = client.get(reverse("registration:landing")).content.decode()
    assert "Pendaftaran dibuka" in html
    assert "2 hari 0 jam lagi" in html


def test_it_says_so_when_no_wave_is_open(client, db):
    html = client.get(reverse("registration:landing")).content.decode()
    assert "Belum ada gelombang" in html


def test_it_says_a_past_wave_is_closed(client, staff):
    make_wave(number=11, opens_at=timezone.now() - dt.timedelta(days=9), closes_at=timezone.now() - dt.timedelta(days=2),
              by=staff, status=Wave.Status.CLOSED)
    html = client.get(reverse("registration:landing")).content.decode()
    assert "Pendaftaran gelombang 11 sudah ditutup" in html
