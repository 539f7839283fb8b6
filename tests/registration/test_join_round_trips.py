"""The join is built for the deadline surge: a fixed, small number of statements whatever the applicant's
history, with the session read from the cache (production's SESSION_ENGINE with a shared cache)."""
import pytest
from django.db import connection
from django.urls import reverse

from eligibility.models import ScreeningResult
from registration.models import Registration
from tests.registration.conftest import register

pytestmark = pytest.mark.django_db

JOIN_QUERIES = 5 if connection.vendor == "postgresql" else 6


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def warm(client, other_applicant, open_wave_12):
    """One join on this database connection first: on PostgreSQL it prepares the join's statements
    (prakerja.lib.prepared), as the first join of each web worker's connection does; the counts below are the
    steady state of the surge."""
    client.force_login(other_applicant.user)
    client.post(reverse("registration:join", args=[12]))
    client.logout()


def test_it_joins_with_three_queries_and_one_transaction(client, applicant, open_wave_12, cached_sessions, warm,
                                                         django_assert_num_queries):
    client.force_login(applicant.user)
    # user with its applicant; the wave and the applicant locked FOR SHARE with the applicant's history; the insert
    # with the "you joined" e-mail in the outbox (one statement on PostgreSQL, two on SQLite); and the transaction's
    # two statements (a savepoint inside the test's transaction, BEGIN/COMMIT in production)
    with django_assert_num_queries(JOIN_QUERIES):
        response = client.post(reverse("registration:join", args=[12]))
    assert response.status_code == 302
    assert Registration.objects.filter(applicant=applicant, wave=open_wave_12).count() == 1


def test_it_runs_as_many_queries_for_an_applicant_screened_before(client, applicant, open_wave_12, closed_wave_11,
                                                                   cached_sessions, warm, django_assert_num_queries):
    earlier = register(applicant, closed_wave_11)
    ScreeningResult.objects.create(registration=earlier, wave=closed_wave_11, status="eligible", selected=False)
    client.force_login(applicant.user)
    with django_assert_num_queries(JOIN_QUERIES):  # as above: the earlier screening costs no query
        client.post(reverse("registration:join", args=[12]))
    assert Registration.objects.filter(applicant=applicant).count() == 2


def test_a_second_try_reads_the_existing_row_once_more(client, applicant, open_wave_12, cached_sessions, warm,
                                                       django_assert_num_queries):
    register(applicant, open_wave_12)
    client.force_login(applicant.user)
    # user with applicant; the locking read; the existing registration; the refused transaction's statements
    # (savepoint, rollback to it, release inside the test's transaction; BEGIN/ROLLBACK in production)
    with django_assert_num_queries(6):
        response = client.post(reverse("registration:join", args=[12]), follow=False)
    assert response.status_code == 302
    assert Registration.objects.filter(applicant=applicant).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_warm_join_plans_nothing(client, applicant, open_wave_12, cached_sessions, warm, django_assert_num_queries):
    """The surge's join runs the statements its connection prepared: no PREPARE, and both of its statements are
    EXECUTEs of a prepared plan (the locking read plans in about 0.8 ms and runs in 0.1 ms)."""
    client.force_login(applicant.user)
    with django_assert_num_queries(JOIN_QUERIES) as queries:
        client.post(reverse("registration:join", args=[12]))
    sent = [q["sql"] for q in queries.captured_queries]
    assert not any(sql.startswith("PREPARE") for sql in sent)
    assert sum(sql.startswith("EXECUTE p_") for sql in sent) == 2
    assert Registration.objects.filter(applicant=applicant, wave=open_wave_12).count() == 1


def test_a_join_while_a_drainer_is_at_work_sends_no_task_to_the_broker(client, applicant, other_applicant, open_wave_12,
                                                                        django_capture_on_commit_callbacks):
    """The "you joined" mail is queued either way; the broker only hears of it when no drainer would claim it."""
    from django.core.cache import cache

    from notifications import services
    from notifications.models import Notification
    from notifications.tasks import _LEASE

    client.force_login(applicant.user)
    with django_capture_on_commit_callbacks() as idle:
        client.post(reverse("registration:join", args=[12]))
    services._last_kick[0] = float("-inf")  # as if this process had not kicked lately: only the lease holds it back
    cache.set(_LEASE, "a drainer's token", 60)
    client.force_login(other_applicant.user)
    with django_capture_on_commit_callbacks() as busy:
        client.post(reverse("registration:join", args=[12]))
    assert len(idle) == 1  # the kick that starts a drainer
    assert busy == []
    assert Notification.objects.filter(wave=open_wave_12, kind=Notification.Kind.JOINED).count() == 2


def test_joins_in_quick_succession_kick_the_drainer_once(client, applicant, other_applicant, open_wave_12,
                                                         django_capture_on_commit_callbacks, monkeypatch):
    from notifications import services
    from notifications.models import Notification

    monkeypatch.setattr(services, "KICK_INTERVAL_SECONDS", 3600)  # "in quick succession", however slow this machine

    kicks = []
    for person in (applicant, other_applicant):
        client.force_login(person.user)
        with django_capture_on_commit_callbacks() as callbacks:
            client.post(reverse("registration:join", args=[12]))
        kicks += callbacks
    assert len(kicks) == 1  # the second join, within the interval, relies on the drainer the first one started
    assert Notification.objects.filter(wave=open_wave_12, kind=Notification.Kind.JOINED).count() == 2
