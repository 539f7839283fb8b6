"""The dashboard after the draw: card number, training deadline, own ticket; a full KK is told, not invited."""
import datetime as dt

from django.urls import reverse

from eligibility.cards import card_number
from eligibility.draw import ticket
from eligibility.waves import select_awardees

from tests.eligibility.screening.conftest import make_wave, new_kk, new_person, register, screen


def test_a_selected_applicant_sees_card_number_deadline_and_ticket(client, db, settings):
    settings.TRAINING_DEADLINE_DAYS = 30
    wave = make_wave(number=77, quota=1)
    person = new_person()
    register(person, wave)
    screen(wave)
    select_awardees(wave=wave, by=None)
    wave.refresh_from_db()
    client.force_login(person.user)
    html = client.get(reverse("registration:dashboard")).content.decode()
    assert card_number(77, 1) in html
    deadline = (wave.seed_revealed_at + dt.timedelta(hours=7)).date() + dt.timedelta(days=30)
    assert f'id="training-deadline">{deadline.day} ' in html
    assert ticket(wave.seed, person.nik) in html


def test_an_applicant_whose_kk_has_two_recipients_is_told_instead_of_invited(client, db):
    kk = new_kk()
    wave = make_wave(number=11, quota=5, days_ago=30)
    family = [new_person(kk=kk) for _ in range(3)]
    for person in family:
        register(person, wave)
    screen(wave)
    select_awardees(wave=wave, by=None)
    make_wave(number=12, days_ago=-1)  # the next wave, open from tomorrow
    client.force_login(family[2].user)  # kk_limit in wave 11
    html = client.get(reverse("registration:dashboard")).content.decode()
    assert 'id="family-full"' in html and 'id="join-button"' not in html
    assert "Next wave to join" not in html and "Gelombang berikutnya" not in html
