"""A run: partitions, re-runs, the list snapshot, progress."""
import datetime as dt
import random

import pytest

from eligibility.screening import services
from eligibility.models.lists import ExclusionList
from eligibility.models.screening import ScreeningPartition, ScreeningResult, ScreeningRun
from registration.models import Wave

from .conftest import close, drain, make_list, new_kk, new_person, outcome, register, screen


@pytest.fixture
def crowd(wave):
    """60 registrations in 25 families, a fifth on lists, some registered at the same moment."""
    rng = random.Random(7)
    kks = [new_kk() for _ in range(25)]
    people = [new_person(kk=rng.choice(kks)) for _ in range(60)]
    make_list("asn", people[::7])
    make_list("bansos", people[::5])
    make_list("prior_awardee", people[::11] + [new_person(kk=kks[0]), new_person(kk=kks[1])])
    for person in people:
        register(person, wave, at=wave.opens_at + dt.timedelta(minutes=rng.randrange(6)))
    return people


def test_one_partition_and_eight_give_identical_results(wave, crowd):
    screen(wave, partitions=1)
    one = outcome(wave)
    screen(wave, partitions=8, restart=True)
    eight = outcome(wave)

    assert len(one) == 60
    assert one == eight
    assert {reason for _, reason in one.values()} >= {"", "asn", "bansos", "kk_limit", "prior_awardee"}


def test_rerunning_replaces_and_never_duplicates(wave, crowd):
    first = screen(wave, partitions=4)
    before = outcome(wave)

    second = screen(wave, partitions=3, restart=True)

    assert outcome(wave) == before
    assert ScreeningResult.objects.filter(wave_id=wave.pk).count() == 60
    assert set(ScreeningResult.objects.filter(wave_id=wave.pk).values_list("run_id", flat=True)) == {second.pk}
    assert second.outcome_counts == first.outcome_counts
    assert wave.status == Wave.Status.SCREENED


def test_the_run_completes_with_counts_and_snapshot(wave, crowd):
    run = screen(wave, partitions=4)

    assert run.status == ScreeningRun.Status.DONE and wave.status == Wave.Status.SCREENED
    counts = run.outcome_counts
    assert counts["registrations"] == 60 == counts["eligible"] + counts["ineligible"]
    assert counts["eligible"] == ScreeningResult.objects.filter(wave_id=wave.pk, status="eligible").count()
    assert sorted(v["category"] for v in run.list_versions) == ["asn", "bansos", "prior_awardee"]
    assert {"version_id", "table_name", "file_name", "loaded_by", "loaded_at", "row_count"} <= set(run.list_versions[0])
    assert ScreeningPartition.objects.filter(run=run).count() == 8  # 4 per phase
    assert not ScreeningPartition.objects.filter(run=run).exclude(status="done").exists()


def test_a_list_replaced_while_screening_runs_is_not_used_by_that_run(wave):
    on_old, on_new = new_person(), new_person()
    old = make_list("asn", [on_old])
    reg_old, reg_new = register(on_old, wave), register(on_new, wave)
    close(wave)
    run = services.start_screening(wave=wave, by=None)  # snapshot taken here

    new = make_list("asn", [on_new])  # the loader swaps a new version in mid-run
    assert ExclusionList.objects.get(pk=old.pk).status == ExclusionList.Status.REPLACED
    drain(run)

    assert outcome(wave) == {reg_old.pk: ("ineligible", "asn"), reg_new.pk: ("eligible", "")}
    run.refresh_from_db()
    assert [v["version_id"] for v in run.list_versions] == [old.pk]
    # The next run uses the new version.
    screen(wave, restart=True)
    assert outcome(wave) == {reg_old.pk: ("eligible", ""), reg_new.pk: ("ineligible", "asn")}
    assert new.pk in [v["version_id"] for v in ScreeningRun.objects.filter(wave=wave).first().list_versions]


def test_a_restart_cancels_the_running_run(wave, crowd):
    close(wave)
    first = services.start_screening(wave=wave, by=None)
    second = services.start_screening(wave=wave, by=None, restart=True)

    drain(second)
    first.refresh_from_db()
    assert first.status == ScreeningRun.Status.CANCELLED
    # The cancelled run's partitions do nothing when their messages arrive.
    from eligibility.screening import tasks
    for partition in ScreeningPartition.objects.filter(run=first):
        assert tasks.screen_partition(partition.pk) is False
    assert ScreeningResult.objects.filter(wave_id=wave.pk).count() == 60


def test_screen_wave_twice_starts_one_run(wave, crowd):
    from eligibility.screening import tasks

    close(wave)
    first, second = tasks.screen_wave(wave.pk), tasks.screen_wave(wave.pk)
    assert first == second
    assert ScreeningRun.objects.filter(wave=wave).count() == 1


def test_a_failing_partition_fails_the_run_with_its_cause(wave, crowd):
    from eligibility.screening import tasks

    close(wave)
    run = services.start_screening(wave=wave, by=None)
    ScreeningRun.objects.filter(pk=run.pk).update(
        list_versions=[{**run.list_versions[0], "table_name": "no such; table"}])
    partition = ScreeningPartition.objects.filter(run=run).first()
    with pytest.raises(Exception):
        tasks.screen_partition(partition.pk)
    run.refresh_from_db()
    assert run.status == ScreeningRun.Status.FAILED
    assert "no such; table" in run.error

    retried = screen(wave, restart=True)
    assert retried.status == ScreeningRun.Status.DONE
    assert ScreeningResult.objects.filter(wave_id=wave.pk).count() == 60


def test_progress_shows_partitions_and_counts_while_running(wave, crowd):
    from eligibility.screening import tasks

    close(wave)
    run = services.start_screening(wave=wave, by=None)
    first = ScreeningPartition.objects.filter(run=run).order_by("number").first()
    tasks.screen_partition(first.pk)

    progress = services.run_progress(run)
    assert progress["lists_done"] == 1 and progress["kk_done"] == 0 and progress["total"] == run.partition_count
    assert progress["reasons_are_list_hits"]


def test_a_wave_with_no_registration_is_screened(wave):
    run = screen(wave, partitions=2)
    assert run.status == ScreeningRun.Status.DONE
    assert run.outcome_counts["registrations"] == 0


def test_the_database_refuses_a_second_running_run_of_a_wave(wave):
    from django.db import IntegrityError, transaction

    ScreeningRun.objects.create(wave=wave)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningRun.objects.create(wave=wave)


def test_a_rerun_with_a_new_list_version_replaces_every_changed_result(wave):
    people = [new_person() for _ in range(12)]
    for person in people:
        register(person, wave)
    make_list("asn", people[:6])
    screen(wave, partitions=3)
    assert sorted(reasons for _, reasons in outcome(wave).values()).count("asn") == 6

    make_list("asn", people[6:9])  # the category's new version
    run = screen(wave, partitions=2, restart=True)

    after = outcome(wave)
    assert len(after) == 12 == ScreeningResult.objects.filter(wave_id=wave.pk, run_id=run.pk).count()
    reasons_of = {r.applicant_id: after[r.pk][1] for r in wave.registrations.all()}
    assert [reasons_of[p.pk] for p in people] == [""] * 6 + ["asn"] * 3 + [""] * 3
    assert run.outcome_counts["reasons"].get("asn") == 3
