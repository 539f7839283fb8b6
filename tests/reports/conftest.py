"""A screened wave with known figures, and the report personas.

Wave 21 ran from 1 to 4 April 2021 (WIB), quota 2. Six registrations, built with the ORM (no screening
code involved):

| who | NIK province | registered (WIB) | result                | rank | selected |
|-----|--------------|------------------|-----------------------|------|----------|
| A   | 32 Jabar     | 1 Apr 08:00      | eligible              | 2    | yes      |
| B   | 35 Jatim     | 1 Apr 09:00      | ineligible asn;bansos |      | no       |
| C   | 32 Jabar     | 2 Apr 10:00      | ineligible kk_limit   |      | no       |
| D   | 11 Aceh      | 2 Apr 23:30      | eligible              | 1    | yes      |
| E   | 32 Jabar     | 3 Apr 00:30      | eligible              | 3    | no (reserve) |
| F   | 35 Jatim     | 3 Apr 12:00      | ineligible prior_awardee |   | no       |

D and E straddle midnight WIB (both are 2 April in UTC): the per-day counts must use WIB days.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

import pytest
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone

from aftercare.services import kept_counts
from eligibility.models import ScreeningResult, ScreeningRun
from prakerja.lib.digest import keyed_digest
from prakerja.lib.sealing import seal
from registration.models import Applicant, Registration, User, Wave
from tests.conftest import PASSWORD, make_applicant

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
SEED = "5eed" * 16

PEOPLE = [
    # key, nik, kk, phone, name, registered (WIB), status, reasons, rank, selected
    ("A", "3202014112900001", "3201010101200001", "+6281234567801", "Siti Aminah", (1, 8, 0), "eligible", "", 2, True),
    ("B", "3578020505950002", "3578010101200002", "+6281298765402", "Budi Santoso", (1, 9, 0), "ineligible", "asn;bansos", None, False),
    ("C", "3201010101900003", "3201010101200001", "+6285712345603", "Cahya Putri Lestari", (2, 10, 0), "ineligible", "kk_limit", None, False),
    ("D", "1101010101900004", "1101010101200004", "+6281311112204", "Dewi", (2, 23, 30), "eligible", "", 1, True),
    ("E", "3201010101900005", "3201010101200005", "+6281911113305", "Eko Prasetyo", (3, 0, 30), "eligible", "", 3, False),
    ("F", "3578010101900006", "3578010101200006", "+6287811114406", "Fajar Nugroho", (3, 12, 0), "ineligible", "prior_awardee", None, False),
]

LIST_VERSIONS = [
    {"category": "asn", "version_id": 3, "file_name": "asn-bkn-2021-03.csv", "loaded_by": "pmo@prakerja.go.id",
     "loaded_at": "2021-03-30T10:00:00+07:00", "row_count": 4200000},
    {"category": "prior_awardee", "version_id": 5, "file_name": "penerima-2020.csv", "loaded_by": "pmo@prakerja.go.id",
     "loaded_at": "2021-03-30T11:00:00+07:00", "row_count": 5900000},
]


def wib(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2021, 4, day, hour, minute, tzinfo=WIB)


def build_wave(*, number: int = 21, selected: bool = True, people=PEOPLE) -> Wave:
    """The screened wave of the table above; before selection when `selected` is False."""
    wave = Wave.objects.create(
        number=number, quota=2, opens_at=wib(1, 0, 0), closes_at=wib(4, 0, 0),
        status=Wave.Status.SELECTED if selected else Wave.Status.SCREENED,
        sealed_seed=seal(SEED), seed=SEED if selected else "", seed_commitment=hashlib.sha256(SEED.encode()).hexdigest(),
        seed_revealed_at=wib(5, 9, 0) if selected else None,
    )
    for key, nik, kk, phone, name, (day, hour, minute), status, reasons, rank, chosen in people:
        # The same people may join several waves: one applicant, one registration per wave.
        applicant = Applicant.objects.filter(nik=nik).first() or make_applicant(
            email=f"{key.lower()}@example.com", nik=nik, kk=kk, phone=phone, full_name=name)
        registration = Registration.objects.create(
            wave=wave, applicant=applicant, registered_at=wib(day, hour, minute),
            nik_digest=keyed_digest(nik), kk_digest=keyed_digest(kk),
        )
        ScreeningResult.objects.create(
            registration=registration, wave=wave, status=status, reasons=reasons,
            rank=rank if selected else None, selected=chosen if selected else None,
        )
    run = ScreeningRun.objects.create(wave=wave, status=ScreeningRun.Status.DONE, finished_at=wib(4, 1, 0),
                                      list_versions=LIST_VERSIONS,
                                      outcome_counts={"registrations": 6, "eligible": 3, "ineligible": 3})
    if selected:
        kept_counts(wave=wave)  # the recipients and reserve now, stored as the draw stores them
    return wave


@pytest.fixture
def wave(db) -> Wave:
    return build_wave()


@pytest.fixture
def unselected_wave(db) -> Wave:
    return build_wave(number=22, selected=False)


def staff_with(email: str, *codenames: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True, email_verified_at=timezone.now())
    # view_full_nik is the one personal-data permission, registration's (prakerja.lib.privacy).
    user.user_permissions.set(Permission.objects.filter(
        Q(content_type__app_label="reports", codename__in=codenames)
        | Q(content_type__app_label="registration", codename__in=codenames, codename="view_full_nik")))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture
def reporter(db) -> User:
    """PMO staff who may open reports and download them, masked only."""
    return staff_with("analis@prakerja.go.id", "view_wave_report", "download_wave_report")


@pytest.fixture
def page_reader(db) -> User:
    """Staff who may open report pages but not download."""
    return staff_with("pembaca@prakerja.go.id", "view_wave_report")


@pytest.fixture
def full_reporter(db) -> User:
    """PMO staff who may also see NIK, KK, names and phones whole."""
    return staff_with("data@prakerja.go.id", "view_wave_report", "download_wave_report", "view_full_nik")

