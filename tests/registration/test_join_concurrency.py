"""50 concurrent "Gabung" clicks of one applicant create exactly one registration.

Real threads with their own database connections (transaction=True: each thread commits for real). On
PostgreSQL the joins run at the same time (they share the wave row lock) and the unique constraint
registration_once_per_wave settles the race; on SQLite the database write lock serialises them.
"""
import threading

import pytest
from django.db import connection

from registration.models import Registration
from registration.services import JoinRefused, join_wave

pytestmark = pytest.mark.django_db(transaction=True)

TRIES = 50


def run_concurrently(target, count: int) -> list:
    barrier = threading.Barrier(count)
    outcomes: list = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            result = target()
        except Exception as exc:  # collected and asserted on below
            result = exc
        finally:
            connection.close()  # this thread's connection
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_fifty_concurrent_joins_create_exactly_one_registration(applicant, open_wave_12):
    outcomes = run_concurrently(
        lambda: join_wave(applicant=applicant, wave=open_wave_12, ip="203.0.113.9", user_agent="UA"), TRIES)

    assert len(outcomes) == TRIES
    created = [o for o in outcomes if isinstance(o, Registration)]
    refused = [o for o in outcomes if isinstance(o, JoinRefused)]
    unexpected = [o for o in outcomes if not isinstance(o, (Registration, JoinRefused))]
    assert unexpected == []
    assert len(created) == 1
    assert len(refused) == TRIES - 1
    assert {r.code for r in refused} == {JoinRefused.ALREADY_REGISTERED}
    assert {r.registration.pk for r in refused} == {created[0].pk}  # every loser sees the winner's row
    assert Registration.objects.filter(applicant=applicant, wave=open_wave_12).count() == 1


def test_concurrent_joins_of_different_applicants_all_succeed(open_wave_12):
    from tests.registration.conftest import make_applicant

    applicants = [
        make_applicant(email=f"a{i}@example.com", nik=f"3201010101900{i:03d}", kk="3201010101200001",
                       phone=f"+62812000{i:05d}")
        for i in range(1, 21)
    ]
    outcomes = run_concurrently_each(applicants, open_wave_12)
    assert all(isinstance(o, Registration) for o in outcomes), outcomes
    assert Registration.objects.filter(wave=open_wave_12).count() == 20


def run_concurrently_each(applicants, wave) -> list:
    queue = list(applicants)
    lock = threading.Lock()

    def next_join():
        with lock:
            applicant = queue.pop()
        return join_wave(applicant=applicant, wave=wave, ip=None, user_agent=None)

    return run_concurrently(next_join, len(applicants))
