"""A wave's quota typed the way the site shows it (600.000) means 600000 in every form that takes a quota: the
admin's new wave, an open wave's quota change and the create_wave command. Anything else is refused with a
plain message and nothing is stored."""
import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from registration.models import Wave, WaveChange

TYPED = ["600.000", "600,000", "600 000", "600000"]
REFUSED = ["1.5", "600.00", "6.00.000", "enam ratus ribu"]


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _new_wave(number: int, quota: str) -> dict:
    opens = timezone.localtime(timezone.now() + dt.timedelta(days=30))
    closes = opens + dt.timedelta(days=5)
    return {"number": number, "quota": quota, "opens_at_0": opens.strftime("%Y-%m-%d"), "opens_at_1": "00:00:00",
            "closes_at_0": closes.strftime("%Y-%m-%d"), "closes_at_1": "00:00:00",
            "changes-TOTAL_FORMS": 0, "changes-INITIAL_FORMS": 0}


@pytest.mark.parametrize("typed", TYPED)
def test_it_saves_a_new_wave_quota_typed_with_separators(staff_client, typed):
    response = staff_client.post(reverse("admin:registration_wave_add"), _new_wave(40, typed))
    assert response.status_code == 302
    assert Wave.objects.get(number=40).quota == 600_000


@pytest.mark.parametrize(("typed", "language", "message"), [
    *[(typed, "id", "bukan bilangan bulat") for typed in REFUSED],
    *[(typed, "en", "is not a whole number") for typed in REFUSED],
    ("0", "id", "Kuota harus lebih dari 0."), ("0", "en", "The quota must be more than 0."),
    ("0.000", "id", "Kuota harus lebih dari 0."),
])
def test_it_refuses_a_new_wave_quota_that_is_not_a_count(staff_client, typed, language, message):
    response = staff_client.post(reverse("admin:registration_wave_add"), _new_wave(41, typed),
                                 HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "wave_quota_positive" not in page
    assert not Wave.objects.filter(number=41).exists()


@pytest.mark.parametrize("typed", TYPED)
def test_it_changes_an_open_wave_quota_typed_with_separators(staff_client, open_wave_12, typed):
    later = timezone.localtime(open_wave_12.closes_at)
    response = staff_client.post(reverse("admin:registration_wave_quota_deadline", args=[open_wave_12.pk]), {
        "quota": typed.replace("600", "650"), "closes_at_0": later.strftime("%Y-%m-%d"),
        "closes_at_1": later.strftime("%H:%M:%S")})
    assert response.status_code == 302
    assert Wave.objects.get(pk=open_wave_12.pk).quota == 650_000


@pytest.mark.parametrize(("typed", "message"), [("1.5", "bukan bilangan bulat"), ("650.00", "bukan bilangan bulat"),
                                                ("0", "Kuota harus lebih dari 0.")])
def test_it_refuses_an_open_wave_quota_that_is_not_a_count(staff_client, open_wave_12, typed, message):
    later = timezone.localtime(open_wave_12.closes_at)
    response = staff_client.post(reverse("admin:registration_wave_quota_deadline", args=[open_wave_12.pk]), {
        "quota": typed, "closes_at_0": later.strftime("%Y-%m-%d"), "closes_at_1": later.strftime("%H:%M:%S")})
    assert response.status_code == 200 and message in response.content.decode()
    assert Wave.objects.get(pk=open_wave_12.pk).quota == 600_000
    assert not WaveChange.objects.exists()


def test_the_quota_page_shows_the_current_quota_grouped(staff_client, open_wave_12):
    page = staff_client.get(reverse("admin:registration_wave_quota_deadline", args=[open_wave_12.pk])).content
    assert 'value="600.000"' in page.decode()


def test_the_wave_list_shows_the_quota_grouped(staff_client, open_wave_12):
    page = staff_client.get(reverse("admin:registration_wave_changelist")).content.decode()
    assert "600.000" in page


def _create(number: int, quota: str) -> None:
    opens = timezone.localtime(timezone.now() + dt.timedelta(days=30))
    call_command("create_wave", str(number), "--quota", quota, "--opens", opens.strftime("%Y-%m-%d %H:%M"),
                 "--closes", (opens + dt.timedelta(days=5)).strftime("%Y-%m-%d %H:%M"))


@pytest.mark.parametrize("typed", TYPED)
def test_the_command_reads_a_quota_typed_with_separators(db, typed):
    _create(42, typed)
    assert Wave.objects.get(number=42).quota == 600_000


@pytest.mark.parametrize(("typed", "message"), [("1.5", "bukan bilangan bulat"), ("0", "Kuota harus lebih dari 0.")])
def test_the_command_refuses_a_quota_that_is_not_a_count(db, typed, message):
    with pytest.raises(CommandError, match=message):
        _create(43, typed)
    assert not Wave.objects.exists()
