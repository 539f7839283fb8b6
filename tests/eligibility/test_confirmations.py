"""Irreversible staff actions stop on a page stating what will happen, with the figures; nothing happens before."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from eligibility import waves
from eligibility.models.lists import ExclusionList
from eligibility.models.screening import ScreeningRun
from registration.models import Wave

from .screening.conftest import make_list, make_wave, new_person, register, screen

CHANGELIST = reverse("admin:registration_wave_changelist")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def ask(client, action, wave):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [wave.pk]})


def test_it_states_the_close_with_the_number_of_registrations_and_closes_nothing(staff_client, db):
    wave = make_wave(number=20, days_ago=1)
    for _ in range(3):
        register(new_person(), wave)
    page = ask(staff_client, "close_waves", wave)
    assert page.status_code == 200
    assert "Close wave 20 now: 3 registrations will be screened; registration stops for everyone" in page.content.decode()
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.OPEN


def test_it_states_the_publication_and_publishes_nothing(staff_client, db):
    now = timezone.now()
    draft = Wave.objects.create(number=21, quota=1234, opens_at=now + dt.timedelta(days=1),
                                closes_at=now + dt.timedelta(days=3))
    text = ask(staff_client, "open_waves", draft).content.decode()
    assert "Publish wave 21" in text and "quota 1,234" in text and "WIB" in text
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.DRAFT


def test_it_states_the_selection_with_eligible_and_selected_counts(staff_client, db):
    wave = make_wave(number=22, quota=2)
    for _ in range(5):
        register(new_person(), wave)
    screen(wave)
    text = ask(staff_client, "run_selection", wave).content.decode()
    assert "2 of 5 eligible registrations will be selected (quota 2)" in text
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.SCREENED
    assert not Wave.objects.get(pk=wave.pk).seed_is_revealed


def test_it_states_the_retry_and_starts_nothing(staff_client, db):
    wave = make_wave(number=23)
    register(new_person(), wave)
    screen(wave)
    text = ask(staff_client, "retry_screening", wave).content.decode()
    assert "Screen wave 23 again: 1 registrations" in text
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.SCREENED
    assert ScreeningRun.objects.filter(wave=wave).count() == 1


def test_it_speaks_indonesian_by_default(client, staff, db):
    client.force_login(staff)
    wave = make_wave(number=24, days_ago=1)
    text = client.post(CHANGELIST, {"action": "close_waves", "_selected_action": [wave.pk]},
                       HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Tutup gelombang 24 sekarang" in text


def test_it_states_which_list_file_an_upload_replaces_and_loads_nothing(staff_client, settings, tmp_path):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path
    old = make_list("asn", [], file_name="asn-2020.csv")
    upload = SimpleUploadedFile("asn-2021.csv", b"nik\n3201014112900001\n", "text/csv")
    page = staff_client.post(reverse("admin:eligibility_exclusionlist_upload"), {"category": "asn", "file": upload})
    text = page.content.decode()
    assert "asn-2020.csv" in text and "asn-2021.csv" in text and f"#{old.pk}" in text
    assert list(ExclusionList.objects.values_list("pk", flat=True)) == [old.pk]


def test_it_loads_nothing_on_a_forged_list_confirmation(staff_client, settings, tmp_path):
    settings.EXCLUSION_LIST_UPLOAD_DIR = tmp_path
    response = staff_client.post(reverse("admin:eligibility_exclusionlist_upload"), {"pending": "forged"})
    assert response.status_code == 302 and not ExclusionList.objects.exists()


def test_it_states_the_same_text_for_admin_and_commands(db):
    wave = make_wave(number=25, days_ago=1)
    statement = waves.statement("close", wave)
    assert str(statement) in statement.bilingual()


@pytest.mark.parametrize("action", ["open_waves", "close_waves", "retry_screening", "run_selection"])
def test_it_refuses_before_describing_an_action_the_wave_cannot_take(staff_client, db, action):
    # A selected wave: publishing, closing, re-screening and drawing again are all refused. No page describes what
    # would happen (nothing would), and a confirmation posted anyway changes nothing and reports no success.
    wave = make_wave(number=24, days_ago=3)
    register(new_person(), wave)
    screen(wave)
    waves.select_awardees(wave=Wave.objects.get(pk=wave.pk), by=None)
    for confirm in ("", "yes"):
        response = staff_client.post(CHANGELIST, {"action": action, "_selected_action": [wave.pk], "confirm": confirm},
                                     follow=True)
        html = response.content.decode()
        assert "Wave 24 cannot be" in html and "Nothing was changed." in html
        assert "Nothing is done until you confirm" not in html and "the seed is revealed" not in html
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.SELECTED
