"""Staff revoking recipients of one wave at the same moment: every place is filled once, the recipients never exceed
the quota and no reserve is promoted twice. Real threads with their own connections (transaction=True): on
PostgreSQL they run at the same time and the wave's row lock serialises the counts; on SQLite the write lock does."""
from __future__ import annotations

import pytest

from aftercare import services
from aftercare.models import Promotion, Revocation, RevocationReason, WaveCounts
from aftercare.sql import live_counts
from registration.models import Registration
from tests.aftercare.conftest import by_rank, make_wave, new_person, recipients, register, screen, select
from tests.registration.test_join_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_keeps_the_quota_when_revocations_race(staff):
    wave = make_wave(number=20, quota=6)
    for _ in range(12):
        register(new_person(), wave)
    screen(wave)
    select(wave)
    ranked = by_rank(wave)
    chosen = iter(ranked[:6])
    pending = [Registration.objects.get(pk=next(chosen)) for _ in range(6)]
    queue = iter(pending)
    import threading

    lock = threading.Lock()

    def revoke_one():
        with lock:
            registration = next(queue)
        return services.revoke_recipient(registration=registration, reason=RevocationReason.NO_TRAINING, by=staff)

    outcomes = run_concurrently(revoke_one, 6)
    assert all(isinstance(outcome, Revocation) for outcome in outcomes), outcomes
    promoted = list(Promotion.objects.values_list("registration_id", flat=True))
    assert sorted(promoted) == sorted(ranked[6:12])  # each reserve once, the six next in rank
    assert recipients(wave) == set(ranked[6:12])
    assert 6 - Revocation.objects.count() + len(promoted) == len(recipients(wave)) == wave.quota
    # The wave's row lock orders the racers' deltas to the kept counts too (aftercare.models.WaveCounts).
    assert WaveCounts.objects.values_list("recipients", "reserve").get(wave=wave) == live_counts(wave) == (6, 0)
