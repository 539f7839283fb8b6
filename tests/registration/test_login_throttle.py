"""Login throttling per account and per address, on top of django-axes' (account, address) lock: guesses spread
over many addresses or many accounts are stopped, and the real applicant is slowed, never locked out."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, make_applicant

pytestmark = pytest.mark.django_db


def log_in(client, email, password, ip):
    client.logout()
    return client.post(reverse("registration:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_forty_guesses_on_one_account_from_ten_addresses_are_stopped(client, applicant, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        answers = [log_in(client, applicant.user.email, f"tebakan-{n}", f"203.0.113.{n % 10 + 1}").status_code
                   for n in range(40)]
        assert answers[:settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER] == [200] * settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER
        assert set(answers[settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER:]) == {429}  # not even checked
        # Even the right password waits its turn, from a fresh address...
        refused = log_in(client, applicant.user.email, PASSWORD, "198.51.100.50")
        assert refused.status_code == 429 and "tunggu" in refused.content.decode()
        # ...for a minute, not a lock-out: the applicant gets in.
        traveller.shift(dt.timedelta(seconds=settings.LOGIN_ACCOUNT_DELAY_SECONDS))
        assert log_in(client, applicant.user.email, PASSWORD, "198.51.100.50").status_code == 302


def test_thirty_accounts_sprayed_from_one_address_are_stopped(client, applicant, settings):
    victims = [make_applicant(email=f"korban{n}@example.com", nik=f"320101411290{n + 100:04d}", kk="3201010101200001",
                              phone=f"+62812000{n:05d}") for n in range(1, 31)]
    answers = [log_in(client, victim.user.email, "sandi123456", "203.0.113.66").status_code for victim in victims]
    assert answers[:settings.LOGIN_ADDRESS_MAX_ACCOUNTS] == [200] * settings.LOGIN_ADDRESS_MAX_ACCOUNTS
    assert set(answers[settings.LOGIN_ADDRESS_MAX_ACCOUNTS:]) == {429}
    # A real applicant from another address is not affected.
    assert log_in(client, applicant.user.email, PASSWORD, "198.51.100.7").status_code == 302
    assert log_in(client, victims[-1].user.email, PASSWORD, "198.51.100.8").status_code == 302


def test_an_applicant_s_own_typos_behind_a_shared_address_do_not_stop_the_neighbours(client, applicant, other_applicant):
    for _ in range(3):
        log_in(client, applicant.user.email, "salah-ketik", "203.0.113.9")
    assert log_in(client, applicant.user.email, PASSWORD, "203.0.113.9").status_code == 302
    assert log_in(client, other_applicant.user.email, PASSWORD, "203.0.113.9").status_code == 302
