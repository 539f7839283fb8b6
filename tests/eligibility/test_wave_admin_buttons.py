"""The wave admin offers only what it will do: no "delete selected" (refused for any published wave), no Save
buttons on a wave whose fields are all read-only, and a closed wave's screening shown as queued until a worker
picks it up."""
from unittest import mock

import pytest
from django.urls import reverse

from eligibility import waves
from eligibility.screening import tasks
from registration.models import Wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def closed_wave(open_wave_12, staff) -> Wave:
    with mock.patch.object(tasks.screen_wave, "delay_on_commit"):  # no worker picks it up
        waves.close_wave(wave=open_wave_12, by=staff)
    return open_wave_12


def test_it_does_not_offer_delete_selected(staff_client, open_wave_12):
    page = staff_client.get(reverse("admin:registration_wave_changelist")).content.decode()
    assert 'value="close_waves"' in page and 'value="delete_selected"' not in page


def test_it_shows_no_save_buttons_on_a_read_only_wave(staff_client, closed_wave):
    page = staff_client.get(reverse("admin:registration_wave_change", args=[closed_wave.pk])).content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "deletelink" not in page  # a published wave cannot be deleted either


def test_it_keeps_save_on_a_draft(staff_client):
    draft = Wave.objects.create(number=40, quota=10, opens_at="2030-01-01T00:00Z", closes_at="2030-01-05T00:00Z")
    page = staff_client.get(reverse("admin:registration_wave_change", args=[draft.pk])).content.decode()
    assert 'name="_save"' in page


def test_it_shows_the_screening_of_a_just_closed_wave_as_queued(staff_client, closed_wave):
    listing = staff_client.get(reverse("admin:registration_wave_changelist")).content.decode()
    assert "dalam antrean" in listing
    page = staff_client.get(reverse("admin:registration_wave_change", args=[closed_wave.pk])).content.decode()
    assert 'id="screening-queued"' in page
