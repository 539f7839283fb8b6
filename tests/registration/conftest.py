"""Fixtures of the applicant's path. Personas (applicant, other_applicant, staff, viewer) and the open
wave 12 come from tests/conftest.py."""
from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.utils import timezone

from prakerja.lib.sealing import seal
from registration.models import Applicant, Registration, User, Wave
from eligibility.waves import publish_wave
from tests.conftest import PASSWORD, make_applicant  # noqa: F401  (re-exported for the tests)


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant.user)
    return client


@pytest.fixture
def verified_user(db) -> User:
    """A verified account without a profile yet."""
    return User.objects.create_user(email="andi@example.com", password=PASSWORD, email_verified_at=timezone.now())


def make_wave(*, number: int, opens_at: dt.datetime, closes_at: dt.datetime, by: User | None = None,
              status: str | None = None, quota: int = 600_000) -> Wave:
    """A published (open) wave, or a past one written directly in `status` the way the eligibility services leave
    it (its seed drawn; not through open_wave, whose number-order rule it may precede in a test's fixtures)."""
    if status is None:
        return publish_wave(wave=Wave.objects.create(number=number, quota=quota, opens_at=opens_at,
                                                  closes_at=closes_at), by=by)
    seed = secrets.token_hex(32)
    return Wave.objects.create(number=number, quota=quota, opens_at=opens_at, closes_at=closes_at, status=status,
                               sealed_seed=seal(seed), seed_commitment=Wave.commitment_for(seed),
                               opened_at=opens_at)


@pytest.fixture
def closed_wave_11(db, staff) -> Wave:
    now = timezone.now()
    return make_wave(number=11, opens_at=now - dt.timedelta(days=60), closes_at=now - dt.timedelta(days=50),
                     by=staff, status=Wave.Status.SELECTED)


def register(applicant: Applicant, wave: Wave, **extra) -> Registration:
    """A registration written directly (as join_wave would have), for waves already past."""
    from prakerja.lib.digest import keyed_digest

    return Registration.objects.create(
        wave=wave, applicant=applicant, registered_at=extra.pop("registered_at", wave.opens_at),
        nik_digest=keyed_digest(applicant.nik), kk_digest=keyed_digest(applicant.kk), **extra,
    )
