"""Per-client rate limits (django-ratelimit, key ip) on the form POST and on the status look-up, with a 429 page
in the user's language; the limited request stores nothing."""
from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints.helpers import complaint_data

pytestmark = pytest.mark.django_db


def test_it_answers_429_after_the_form_limit_and_stores_nothing(en_client, settings):
    settings.COMPLAINT_RATE_LIMIT = "3/h"
    for _ in range(3):
        assert en_client.post(reverse("complaints:new"), complaint_data()).status_code == 302

    response = en_client.post(reverse("complaints:new"), complaint_data())

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many attempts" in response.content.decode()
    assert Complaint.objects.count() == 3


def test_it_limits_with_the_default_of_five_an_hour_and_speaks_indonesian(client):
    for _ in range(5):
        client.post(reverse("complaints:new"), complaint_data())

    response = client.post(reverse("complaints:new"), complaint_data())

    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.content.decode()
    assert Complaint.objects.count() == 5


def test_it_counts_each_client_separately(en_client, settings):
    settings.COMPLAINT_RATE_LIMIT = "1/h"
    assert en_client.post(reverse("complaints:new"), complaint_data(), REMOTE_ADDR="10.0.0.1").status_code == 302
    assert en_client.post(reverse("complaints:new"), complaint_data(), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert en_client.post(reverse("complaints:new"), complaint_data(), REMOTE_ADDR="10.0.0.2").status_code == 302


def test_it_does_not_count_page_views(en_client, settings):
    settings.COMPLAINT_RATE_LIMIT = "1/h"
    for _ in range(3):
        assert en_client.get(reverse("complaints:new")).status_code == 200
    assert en_client.post(reverse("complaints:new"), complaint_data()).status_code == 302


def test_it_limits_the_status_look_up(en_client, settings):
    settings.COMPLAINT_LOOKUP_RATE_LIMIT = "2/h"
    data = {"reference": "PKJ-7K3M-9QXA", "email": "siapa@example.com"}
    for _ in range(2):
        assert en_client.post(reverse("complaints:status"), data).status_code == 200

    response = en_client.post(reverse("complaints:status"), data)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
