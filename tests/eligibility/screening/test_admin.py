"""The wave admin: list, form validation, actions calling services, progress on the change page."""
import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from eligibility import waves
from eligibility.screening import services, tasks
from eligibility.models.screening import ScreeningPartition, ScreeningResult, ScreeningRun
from eligibility.waves import unsealed_seed
from prakerja.models import OutboxTask
from registration.models import Wave

from .conftest import close, make_list, make_wave, new_person, register, screen

CHANGELIST = "admin:registration_wave_changelist"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def action(client, name, *waves):
    """The action, confirmed (tests/eligibility/test_confirmations.py covers the confirmation page)."""
    return client.post(reverse(CHANGELIST), {"action": name, "_selected_action": [w.pk for w in waves],
                                             "confirm": "yes"}, follow=True)


def levels(response) -> list[str]:
    return [message.level_tag for message in response.context["messages"]]


def test_it_lists_waves_with_window_in_wib_and_registration_counts(staff_client, wave, django_assert_max_num_queries):
    register(new_person(), wave), register(new_person(), wave)
    for number in (21, 22, 23):  # each selected before the next is screened (its recipients count there)
        screened = make_wave(number=number, days_ago=6 - 3 * (number - 21))  # after wave 20, in number order
        screen(screened, partitions=2)
        waves.select_awardees(wave=screened, by=None)
    with django_assert_max_num_queries(12):  # not one query per wave
        page = staff_client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    text = page.content.decode()
    assert "WIB" in text and ">2<" in text


def test_a_viewer_without_permission_is_refused(client, viewer, wave):
    client.force_login(viewer)
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_the_form_refuses_an_overlapping_window_and_a_deadline_before_opening(staff_client, wave):
    add = reverse("admin:registration_wave_add")
    local = timezone.localtime(wave.opens_at)
    overlapping = staff_client.post(add, {
        "number": 21, "quota": 10,
        "opens_at_0": local.strftime("%Y-%m-%d"), "opens_at_1": "00:00:00",
        "closes_at_0": (local + dt.timedelta(days=30)).strftime("%Y-%m-%d"), "closes_at_1": "00:00:00"})
    assert overlapping.status_code == 200 and "20" in overlapping.context["adminform"].form.non_field_errors()[0]
    backwards = staff_client.post(add, {
        "number": 22, "quota": 10, "opens_at_0": "2030-02-01", "opens_at_1": "00:00:00",
        "closes_at_0": "2030-01-01", "closes_at_1": "00:00:00"})
    assert "closes_at" in backwards.context["adminform"].form.errors
    assert not Wave.objects.filter(number__in=[21, 22]).exists()


def test_status_and_seed_are_not_editable(staff_client, wave):
    page = staff_client.get(reverse("admin:registration_wave_change", args=[wave.pk]))
    form = page.context["adminform"].form
    assert not {"status", "seed", "seed_commitment"} & set(form.fields)
    text = page.content.decode()
    assert unsealed_seed(wave) not in text and wave.sealed_seed not in text  # secret until revealed
    assert wave.seed_commitment in text
    staff_client.post(reverse("admin:registration_wave_change", args=[wave.pk]),
                      {"number": 20, "quota": 5, "status": "selected", "seed": "x" * 64,
                       "opens_at_0": "2020-01-01", "opens_at_1": "00:00:00",
                       "closes_at_0": "2020-01-05", "closes_at_1": "00:00:00"})
    after = Wave.objects.get(pk=wave.pk)
    assert (after.status, after.seed, after.sealed_seed) == (Wave.Status.OPEN, "", wave.sealed_seed)


def test_the_actions_open_close_retry_and_select(staff_client, staff, db):
    now = timezone.now()
    draft = Wave.objects.create(number=80, quota=1, opens_at=now - dt.timedelta(days=2), closes_at=now + dt.timedelta(days=1))
    action(staff_client, "open_waves", draft)
    draft.refresh_from_db()
    assert draft.status == Wave.Status.OPEN and draft.seed_commitment
    register(new_person(), draft), register(new_person(), draft)

    action(staff_client, "close_waves", draft)
    draft.refresh_from_db()
    assert draft.status == Wave.Status.CLOSED and draft.closed_by == staff
    # The screening is stored in the task outbox with the close (prakerja.lib.outbox), sent once it commits.
    assert list(OutboxTask.objects.values_list("task", "args")) == [(tasks.screen_wave.name, [draft.pk])]

    with mock.patch.object(tasks.screen_partition, "delay_on_commit"):
        response = action(staff_client, "retry_screening", draft)
    assert levels(response) == ["success"]
    from .conftest import drain

    drain(wave=draft)
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.SCREENED

    response = action(staff_client, "run_selection", draft)
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.SELECTED
    assert Wave.objects.get(pk=draft.pk).selected_by.email == "pmo@prakerja.go.id"
    assert ScreeningResult.objects.filter(wave_id=draft.pk, selected=True).count() == 1
    # Selecting a selected wave again, or screening it again, changes nothing.
    action(staff_client, "run_selection", draft)
    response = action(staff_client, "retry_screening", draft)
    assert levels(response) == ["error"]
    assert Wave.objects.get(pk=draft.pk).status == Wave.Status.SELECTED


def test_the_change_page_shows_progress_counts_and_a_failure(staff_client, wave):
    people = [new_person() for _ in range(4)]
    make_list("dprd", people[:1])
    for person in people:
        register(person, wave)
    close(wave)
    run = services.start_screening(wave=wave, by=None)
    tasks.screen_partition(ScreeningPartition.objects.filter(run=run).order_by("number").first().pk)

    page = staff_client.get(reverse("admin:registration_wave_change", args=[wave.pk])).content.decode()
    assert "1/8" in page or f"1/{run.partition_count}" in page
    assert 'http-equiv="refresh"' in page

    services.fail_run(run_id=run.pk, error="UndefinedTable: relation \"exclusion_asn_7\" does not exist")
    page = staff_client.get(reverse("admin:registration_wave_change", args=[wave.pk])).content.decode()
    assert "exclusion_asn_7" in page


def test_the_change_page_shows_outcome_counts_per_reason(staff_client, wave):
    people = [new_person() for _ in range(3)]
    make_list("dprd", people[:1])
    for person in people:
        register(person, wave)
    screen(wave)
    page = staff_client.get(reverse("admin:registration_wave_change", args=[wave.pk])).content.decode()
    assert "<code>dprd</code>" in page
