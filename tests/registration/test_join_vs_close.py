"""The locking contract between join_wave and closing a wave (close_wave lives in eligibility).

close_wave takes the wave row FOR UPDATE, then sets status=closed. join_wave holds the same row FOR
SHARE while it checks and writes. So a close waits for joins in flight (every accepted registration is
committed before the close, hence screened), and a join that reaches the row after a close sees it
closed. On SQLite the database write lock (BEGIN IMMEDIATE) gives the same order.
"""
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from registration import services
from registration.models import Registration, Wave
from registration.services import JoinRefused, join_wave

pytestmark = pytest.mark.django_db(transaction=True)


def close_like_close_wave(wave_id: int) -> None:
    """What eligibility's close_wave does to the wave row, as far as joins are concerned."""
    Wave.objects.select_for_update().get(pk=wave_id)
    Wave.objects.filter(pk=wave_id).update(status=Wave.Status.CLOSED, closed_at=timezone.now())


def wait_until_a_backend_waits_for_a_lock(timeout: float = 20.0) -> None:
    """PostgreSQL only: poll until another session of this test database is blocked on a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)  # polling another process's state, not waiting for the clock
    raise AssertionError("no session ever waited for the lock")


def in_thread(target) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as exc:
            outcome["value"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_join_that_waited_for_a_close_sees_the_wave_closed(applicant, open_wave_12):
    locked, release = threading.Event(), threading.Event()

    def close():
        with transaction.atomic():
            close_like_close_wave(open_wave_12.pk)
            locked.set()
            release.wait(30)

    closer, _ = in_thread(close)
    assert locked.wait(30)
    joiner, joined = in_thread(lambda: join_wave(applicant=applicant, wave=open_wave_12, ip=None, user_agent=None))
    if connection.vendor == "postgresql":
        wait_until_a_backend_waits_for_a_lock()
    release.set()
    closer.join(30)
    joiner.join(30)
    assert isinstance(joined["value"], JoinRefused), joined
    assert joined["value"].code == JoinRefused.CLOSED
    assert not Registration.objects.exists()


def test_a_close_waits_for_a_join_in_flight_which_is_kept(applicant, open_wave_12, monkeypatch):
    checked, release = threading.Event(), threading.Event()
    real_check = services.check_can_join

    def check_then_pause(**kwargs):
        real_check(**kwargs)
        checked.set()  # the join holds the wave row FOR SHARE now
        release.wait(30)

    monkeypatch.setattr(services, "check_can_join", check_then_pause)
    joiner, joined = in_thread(lambda: join_wave(applicant=applicant, wave=open_wave_12, ip=None, user_agent=None))
    assert checked.wait(30)

    def close():
        with transaction.atomic():
            close_like_close_wave(open_wave_12.pk)
            return Registration.objects.filter(wave_id=open_wave_12.pk).count()  # what screening would see

    closer, closed = in_thread(close)
    if connection.vendor == "postgresql":
        wait_until_a_backend_waits_for_a_lock()
    release.set()
    joiner.join(30)
    closer.join(30)
    assert isinstance(joined["value"], Registration), joined
    assert closed["value"] == 1  # the close ran after the join committed: the registration is screened
    assert Wave.objects.get(pk=open_wave_12.pk).status == Wave.Status.CLOSED
