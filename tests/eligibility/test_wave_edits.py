"""Once published, a wave's number, seed and opening time are frozen; quota and deadline change only by a recorded
staff action while it is open."""
import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from eligibility import waves
from registration.models import Wave, WaveChange


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize("change", [{"number": 15}, {"opens_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}])
def test_it_refuses_in_the_database_a_new_number_or_opening_time_once_published(open_wave_12, change):
    with pytest.raises(DatabaseError), transaction.atomic():
        Wave.objects.filter(pk=open_wave_12.pk).update(**change)
    assert Wave.objects.get(pk=open_wave_12.pk).number == 12


def test_it_lets_a_draft_change_its_number(db):
    now = timezone.now()
    draft = Wave.objects.create(number=30, quota=1, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2))
    Wave.objects.filter(pk=draft.pk).update(number=31)
    assert Wave.objects.get(pk=draft.pk).number == 31


def test_it_shows_a_published_wave_read_only_in_the_admin(staff_client, open_wave_12):
    url = reverse("admin:registration_wave_change", args=[open_wave_12.pk])
    form = staff_client.get(url).context["adminform"].form
    assert not {"number", "quota", "opens_at", "closes_at"} & set(form.fields)
    staff_client.post(url, {"number": 15, "quota": 5})
    after = Wave.objects.get(pk=open_wave_12.pk)
    assert (after.number, after.quota, after.seed) == (12, 600_000, open_wave_12.seed)


def test_it_records_a_change_of_quota_and_deadline_and_shows_it(staff_client, staff, open_wave_12):
    later = open_wave_12.closes_at + dt.timedelta(days=1)
    changes = waves.change_open_wave(wave=open_wave_12, by=staff, quota=700_000, closes_at=later)
    after = Wave.objects.get(pk=open_wave_12.pk)
    assert (after.quota, after.closes_at) == (700_000, later)
    recorded = {(c.field, c.old_value, c.new_value, c.by) for c in WaveChange.objects.filter(wave=open_wave_12)}
    assert recorded == {("quota", "600000", "700000", staff),
                        ("closes_at", open_wave_12.closes_at.isoformat(), later.isoformat(), staff)}
    assert len(changes) == 2
    page = staff_client.get(reverse("admin:registration_wave_change", args=[open_wave_12.pk])).content.decode()
    assert "700000" in page and "600000" in page and staff.email in page


@pytest.mark.parametrize(("quota", "closes_in"), [(0, 5), (None, -1), (None, -10)])
def test_it_refuses_a_quota_below_one_or_a_deadline_in_the_past(staff, open_wave_12, quota, closes_in):
    with pytest.raises(waves.WaveError):
        waves.change_open_wave(wave=open_wave_12, by=staff, quota=quota,
                               closes_at=timezone.now() + dt.timedelta(days=closes_in))
    assert not WaveChange.objects.exists()
    assert Wave.objects.get(pk=open_wave_12.pk).quota == 600_000


def test_it_refuses_a_deadline_overlapping_the_next_wave(staff, open_wave_12):
    following = waves.create_wave(number=13, quota=1, opens_at=open_wave_12.closes_at + dt.timedelta(days=1),
                                  closes_at=open_wave_12.closes_at + dt.timedelta(days=5))
    waves.publish_wave(wave=following, by=staff)
    with pytest.raises(waves.WaveError, match="13"):
        waves.change_open_wave(wave=open_wave_12, by=staff, closes_at=open_wave_12.closes_at + dt.timedelta(days=2))


def test_it_refuses_to_change_a_closed_wave(staff, open_wave_12, django_capture_on_commit_callbacks):
    waves.close_wave(wave=open_wave_12, by=staff)
    with pytest.raises(waves.WaveError):
        waves.change_open_wave(wave=open_wave_12, by=staff, quota=5)


def test_the_admin_page_records_a_change(staff_client, staff, open_wave_12):
    later = timezone.localtime(open_wave_12.closes_at + dt.timedelta(days=1))
    url = reverse("admin:registration_wave_quota_deadline", args=[open_wave_12.pk])
    response = staff_client.post(url, {"quota": 650000, "closes_at_0": later.strftime("%Y-%m-%d"),
                                       "closes_at_1": later.strftime("%H:%M:%S")})
    assert response.status_code == 302
    assert WaveChange.objects.filter(wave=open_wave_12, field="quota", new_value="650000", by=staff).exists()


def test_the_admin_refuses_a_new_wave_whose_window_is_in_the_past(staff_client):
    response = staff_client.post(reverse("admin:registration_wave_add"), {
        "number": 30, "quota": 10, "opens_at_0": "2020-01-01", "opens_at_1": "00:00:00",
        "closes_at_0": "2020-01-05", "closes_at_1": "00:00:00"})
    assert response.status_code == 200 and "past" in str(response.context["adminform"].form.non_field_errors())
    assert not Wave.objects.filter(number=30).exists()
