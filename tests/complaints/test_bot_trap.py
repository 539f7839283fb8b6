"""The bot trap, with no third-party service: a CSS-hidden honeypot, and a signed render time that refuses
forms posted faster than COMPLAINT_MIN_FILL_SECONDS. Time is moved with time_machine, never slept."""
from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints.helpers import complaint_data

pytestmark = pytest.mark.django_db

BOT_MESSAGE = "Your report was not sent. Please check it and send it again in a few seconds."


def _rendered_token(client) -> str:
    page = client.get(reverse("complaints:new")).content.decode()
    return re.search(r'name="rendered_at" value="([^"]+)"', page).group(1)


def test_it_hides_the_honeypot_from_people(client):
    page = client.get(reverse("complaints:new")).content.decode()

    assert re.search(r'<div class="hp-field" aria-hidden="true">.*?name="homepage"', page, re.S)
    assert "css/complaints.css" in page


def test_it_refuses_a_filled_honeypot(en_client):
    response = en_client.post(reverse("complaints:new"), complaint_data(homepage="http://spam.example"))

    assert response.status_code == 400
    assert BOT_MESSAGE in response.content.decode()
    assert not Complaint.objects.exists()


def test_it_refuses_a_form_posted_too_fast_and_accepts_it_later(en_client):
    with time_machine.travel("2026-03-02 09:00:00 +07:00", tick=False) as traveller:
        token = _rendered_token(en_client)
        traveller.shift(1)  # one second: faster than a person reads the form
        too_fast = en_client.post(reverse("complaints:new"), complaint_data(rendered_at=token))
        assert too_fast.status_code == 400
        assert BOT_MESSAGE in too_fast.content.decode()
        assert not Complaint.objects.exists()

        traveller.shift(30)
        in_time = en_client.post(reverse("complaints:new"), complaint_data(rendered_at=token))
    assert in_time.status_code == 302
    assert Complaint.objects.count() == 1


def test_it_refuses_a_forged_or_missing_stamp(en_client):
    for token in ("", "1700000000", _rendered_token(en_client) + "x"):
        response = en_client.post(reverse("complaints:new"), complaint_data(rendered_at=token))
        assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_it_refuses_a_stale_form_and_renders_a_fresh_stamp(en_client):
    with time_machine.travel("2026-03-02 09:00:00 +07:00", tick=False) as traveller:
        token = _rendered_token(en_client)
        traveller.shift(2 * 24 * 60 * 60)
        response = en_client.post(reverse("complaints:new"), complaint_data(rendered_at=token))
        fresh = re.search(r'name="rendered_at" value="([^"]+)"', response.content.decode()).group(1)
        traveller.shift(10)
        again = en_client.post(reverse("complaints:new"), complaint_data(rendered_at=fresh))

    assert response.status_code == 400 and fresh != token
    assert again.status_code == 302


def test_it_uses_the_minimum_fill_time_setting(en_client, settings):
    settings.COMPLAINT_MIN_FILL_SECONDS = 0
    with time_machine.travel("2026-03-02 09:00:00 +07:00", tick=False):
        token = _rendered_token(en_client)
        response = en_client.post(reverse("complaints:new"), complaint_data(rendered_at=token))

    assert response.status_code == 302
