"""Waves are screened and selected in order: an earlier wave's recipients are prior awardees of every later wave
(docs/DOMAIN.md), so a later wave waits for the earlier wave's lottery instead of screening without them."""
import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from eligibility import waves
from eligibility.screening import services, tasks
from eligibility.models.lists import ExclusionList
from eligibility.models.screening import ScreeningRun
from registration.models import Wave

from .conftest import close, drain, make_list, make_wave, new_person, register, result_of, screen


@pytest.fixture
def two_waves(db):
    """Wave 40 screened but not yet selected; wave 41 closed. One person registered in both."""
    earlier, later = make_wave(number=40, quota=10, days_ago=40), make_wave(number=41, days_ago=10)
    both = new_person()
    register(both, earlier)
    screen(earlier)
    with mock.patch.object(tasks.screen_wave, "delay_on_commit"):
        close(later)
    return earlier, later, register(both, later)


def test_a_later_wave_waits_for_the_earlier_selection_then_excludes_its_recipients(two_waves, client, staff):
    earlier, later, registration = two_waves

    assert tasks.screen_wave(later.pk) is None
    assert Wave.objects.get(pk=later.pk).status == Wave.Status.CLOSED
    assert not ScreeningRun.objects.filter(wave=later).exists()
    client.force_login(staff)
    page = client.get(reverse("admin:registration_wave_change", args=[later.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "The screening of wave 41 waits for the selection of wave 40" in page.content.decode()

    assert waves.select_awardees(wave=earlier, by=None) == 1
    # The sweep asks again for closed waves (here at once: older_than=0).
    with mock.patch.object(tasks.screen_wave, "delay_on_commit") as enqueue:
        services.requeue_stale_partitions(older_than=dt.timedelta(0))
    enqueue.assert_called_once_with(later.pk)
    with mock.patch.object(tasks.screen_partition, "delay_on_commit"):
        run_id = tasks.screen_wave(later.pk)
    drain(ScreeningRun.objects.get(pk=run_id))

    assert (result_of(registration).status, result_of(registration).reasons) == ("ineligible", "prior_awardee")


def test_the_selection_of_a_later_wave_is_refused_while_an_earlier_one_is_unselected(two_waves):
    earlier, later, registration = two_waves
    # Screened anyway (as a restart by staff would have been before the wait existed): the selection refuses.
    Wave.objects.filter(pk=later.pk).update(status=Wave.Status.SCREENED)
    with pytest.raises(services.ScreeningError, match="Run the selection of wave 40 first"):
        waves.select_awardees(wave=Wave.objects.get(pk=later.pk), by=None)
    assert not Wave.objects.get(pk=later.pk).seed_is_revealed


def test_the_earlier_selection_starts_the_waiting_screening_at_once(two_waves):
    earlier, later, registration = two_waves
    with mock.patch.object(tasks.screen_wave, "delay_on_commit") as enqueue:
        waves.select_awardees(wave=earlier, by=None)
    enqueue.assert_called_once_with(later.pk)


def test_a_screening_that_cannot_start_is_shown_as_failed_with_its_cause(db):
    wave = make_wave(number=44)
    register(new_person(), wave)
    make_list("asn")
    ExclusionList.objects.filter(category="asn").update(table_name="no such table; --")
    with mock.patch.object(tasks.screen_wave, "delay_on_commit"):
        close(wave)

    with translation.override("id"):  # a worker's language: settings.LANGUAGE_CODE
        assert tasks.screen_wave(wave.pk) is None

    run = ScreeningRun.objects.get(wave=wave)
    assert run.status == ScreeningRun.Status.FAILED and "tidak memiliki tabel yang dapat dipakai" in run.error
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.SCREENING  # Retry screening is offered
    with mock.patch.object(tasks.screen_wave, "delay_on_commit") as enqueue:
        services.requeue_stale_partitions(older_than=dt.timedelta(0))
    enqueue.assert_not_called()  # no new failed run every minute
