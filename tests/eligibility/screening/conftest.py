"""Fixtures for closing, screening and selection. Personas come from tests/conftest.py.

`make_list` creates an exclusion-list version the way the list loader leaves it (the contract of
eligibility/models/lists.py): an ExclusionList row and its own table with `nik_digest` (unique) and
`kk_digest`, digests made by prakerja.lib.digest.keyed_digest.
"""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from eligibility.lists.tables import table_name
from eligibility import waves
from eligibility.screening import services, tasks
from eligibility.models.lists import ExclusionList
from eligibility.models.screening import ScreeningPartition, ScreeningResult, ScreeningRun
from notifications.tasks import queue_result_mails
from prakerja.lib.digest import keyed_digest
from registration.models import Applicant, Registration, User, Wave
from eligibility.waves import publish_wave

_serial = itertools.count(1)


def new_person(*, kk: str | None = None, province: str = "32") -> Applicant:
    """An applicant with a fresh, valid NIK (born 1990-01-01 + n days), e-mail and phone."""
    n = next(_serial)
    born = dt.date(1990, 1, 1) + dt.timedelta(days=n % 3000)
    nik = f"{province}0101{born:%d%m%y}{(n % 9999) + 1:04d}"
    kk = kk or f"{province}0101{n:010d}"
    # No password: hashing one per person would dominate these tests' time.
    user = User.objects.create(email=f"person{n}@example.com", password="!", email_verified_at=timezone.now())
    return Applicant.objects.create(user=user, nik=nik, kk=kk, full_name=f"Person {n}", birth_date=born,
                                    phone=f"+62812{n:08d}", not_in_formal_education=True)


def new_kk() -> str:
    return f"320202{next(_serial):010d}"


def make_list(category: str, people: list[Applicant] = (), *, niks: list[str] = (), kk_of: dict[str, str] | None = None,
              activate: bool = True, file_name: str | None = None) -> ExclusionList:
    """An exclusion-list version holding the digests of `people` (and of bare `niks`), made active
    (replacing the category's active version) unless `activate` is False."""
    version = ExclusionList.objects.create(category=category, file_name=file_name or f"{category}.csv",
                                           status=ExclusionList.Status.LOADING)
    table = table_name(version.pk)
    uuid_type = "uuid" if connection.vendor == "postgresql" else "char(32)"
    rows = [(p.nik, p.kk if category == "prior_awardee" else None) for p in people]
    rows += [(nik, (kk_of or {}).get(nik)) for nik in niks]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (nik_digest {uuid_type} NOT NULL UNIQUE, kk_digest {uuid_type} NULL)")
        for nik, kk in rows:
            cursor.execute(f"INSERT INTO {table} (nik_digest, kk_digest) VALUES (%s, %s)",
                           [_db_uuid(keyed_digest(nik)), _db_uuid(keyed_digest(kk)) if kk else None])
    version.table_name = table
    version.row_count = len(rows)
    version.save(update_fields=["table_name", "row_count"])
    if activate:
        ExclusionList.objects.filter(category=category, status=ExclusionList.Status.ACTIVE).update(
            status=ExclusionList.Status.REPLACED)
        version.status = ExclusionList.Status.ACTIVE
        version.activated_at = timezone.now()
        version.save(update_fields=["status", "activated_at"])
    return version


def _db_uuid(value):
    return str(value) if connection.vendor == "postgresql" else value.hex


def make_wave(*, number: int, quota: int = 600_000, days_ago: int = 10) -> Wave:
    """An open wave whose window is in the past (registrations written directly), seed drawn."""
    now = timezone.now()
    wave = Wave.objects.create(number=number, quota=quota, opens_at=now - dt.timedelta(days=days_ago),
                               closes_at=now - dt.timedelta(days=days_ago - 3))
    return publish_wave(wave=wave, by=None)


def register(applicant: Applicant, wave: Wave, *, at: dt.datetime | None = None) -> Registration:
    return Registration.objects.create(
        wave=wave, applicant=applicant, registered_at=at or wave.opens_at + dt.timedelta(minutes=next(_serial)),
        nik_digest=keyed_digest(applicant.nik), kk_digest=keyed_digest(applicant.kk),
    )


def close(wave: Wave) -> Wave:
    waves.close_wave(wave=wave, by=None)
    wave.refresh_from_db()
    return wave


def drain(run: ScreeningRun | None = None, *, wave: Wave | None = None) -> ScreeningRun:
    """Run every pending partition's task body in this process until the run ends (what the workers
    do): the partitions of the lists phase, then those of the KK phase it creates."""
    run = run or ScreeningRun.objects.filter(wave=wave).order_by("-pk").first()
    for _ in range(10_000):
        run.refresh_from_db()
        if run.status != ScreeningRun.Status.RUNNING:
            return run
        pending = ScreeningPartition.objects.filter(run=run, status=ScreeningPartition.Status.PENDING)
        ids = list(pending.values_list("pk", flat=True))
        assert ids, f"run {run.pk} is running with no pending partition"
        for pk in ids:
            tasks.screen_partition(pk)
    raise AssertionError("screening did not finish")


def screen(wave: Wave, *, partitions: int = 3, restart: bool = False) -> ScreeningRun:
    """Close (if open) and screen a wave with `partitions` partitions, task bodies run in-process."""
    with override_settings(SCREENING_PARTITIONS=partitions):
        if wave.status == Wave.Status.OPEN:
            close(wave)
        run = services.start_screening(wave=wave, by=None, restart=restart)
        run = drain(run)
    if run.status == ScreeningRun.Status.DONE:
        queue_result_mails(wave.pk)  # what a worker does after the completing transaction commits
    wave.refresh_from_db()
    return run


def outcome(wave: Wave) -> dict[int, tuple[str, str]]:
    """{registration id: (status, reasons)} for every result of the wave."""
    return {r.registration_id: (r.status, r.reasons) for r in ScreeningResult.objects.filter(wave_id=wave.pk)}


def result_of(registration: Registration) -> ScreeningResult:
    return ScreeningResult.objects.get(registration=registration)


@pytest.fixture
def wave(db) -> Wave:
    return make_wave(number=20)


@pytest.fixture
def drop_list_tables():
    """For transactional tests: the list tables are not Django models, so the flush leaves them."""
    yield
    with connection.cursor() as cursor:
        for table in ExclusionList.objects.exclude(table_name="").values_list("table_name", flat=True):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
