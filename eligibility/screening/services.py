"""Screening a closed wave: runs and partitions, their claims, phases and sweep.

The rules are in docs/DOMAIN.md ("Screening"); the statements themselves are in eligibility.screening.sql,
closing and the lottery in eligibility.waves. Every step is set-based SQL on the database: a wave holds
millions of registrations and the lists tens of millions of digests.

Screening state lives in the database (ScreeningRun, ScreeningPartition), never in a chord or a
result backend, so that any worker on any machine can do any partition, a partition whose worker
vanished is re-queued by `requeue_stale_partitions`, and a redelivered task is harmless:

1. `eligibility.waves.close_wave` moves open -> closed once (its compare-and-set under the wave's row lock) and
   enqueues `screen_wave` on commit.
2. `start_screening` snapshots the active list versions into a new ScreeningRun, creates the
   lists-phase partitions and enqueues one task per partition.
3. Lists phase (`_screen_lists`), by NIK digest range: for each registration, the bit mask of every
   list its NIK is on (plus earlier waves' recipients as prior_awardee) into ScreeningHit. Each
   partition reads only its range of every list index: together they cost one pass over the lists,
   whatever the number of partitions.
4. KK phase (`_screen_kk`), by KK digest range: a family never straddles two partitions. Deletes the
   partition's previous results (re-run) and INSERT ... SELECTs its results with the KK rule as a
   window function over (kk, registration time, id).
5. Each partition commits its output, its "done" mark and the run's `partitions_left - 1` in ONE
   transaction; the one that brings it to 0 (serialised by the run's row lock) starts the KK phase
   or completes the run (outcome counts, wave -> screened).

A partition is claimed with a conditional UPDATE (pending -> running, attempts + 1) and its work
transaction re-checks that claim under the partition's row lock, so a duplicate or stale delivery
changes nothing. 1 partition and N partitions compute the same thing: partitions only split the
rows, and the KK rule needs nothing outside its family.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eligibility import waves
from eligibility.lists.tables import is_list_table
from eligibility.models.lists import ExclusionList
from eligibility.models.screening import (
    Phase, ReasonCode, ScreeningHit, ScreeningPartition, ScreeningResult, ScreeningRun,
)
from eligibility.screening import sql
from eligibility.screening.sql import ScreeningError, is_postgres
from prakerja.lib.timefmt import iso_wib
from registration.models import Registration, User, Wave

logger = logging.getLogger(__name__)


class WaitingForEarlierWave(ScreeningError):
    """A wave is screened only once every earlier wave's lottery has run: their recipients are prior awardees."""


def partition_count() -> int:
    """Partitions per phase (env SCREENING_PARTITIONS, 1-256: a system check refuses others); results do not
    depend on it."""
    return settings.SCREENING_PARTITIONS


def stale_after() -> dt.timedelta:
    """A partition pending or claimed longer than this without finishing is re-queued by the sweep."""
    return dt.timedelta(seconds=settings.SCREENING_STALE_AFTER)


def _snapshot_lists() -> list[dict]:
    """The active version of every list, locked FOR SHARE so that a concurrent swap (which updates the
    old version's status) waits for this transaction: once this run commits, the list loader sees it
    running and keeps the tables it uses."""
    active = ExclusionList.objects.active()
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {ExclusionList._meta.db_table} WHERE status = %s FOR SHARE",
                [ExclusionList.Status.ACTIVE],
            )
    # A new statement: sees a swap that committed while we waited for the lock.
    versions = []
    for version in active.select_related("loaded_by").order_by("category"):
        if not is_list_table(version.table_name):
            raise ScreeningError(_("List %(list)s has no usable table."), list=str(version))
        versions.append({
            "category": version.category,
            "version_id": version.pk,
            "table_name": version.table_name,
            "file_name": version.file_name,
            "loaded_by": version.loaded_by.email if version.loaded_by else "",
            "loaded_at": iso_wib(version.activated_at or version.created_at),
            "row_count": version.row_count,
        })
    return versions


def vacuum_for_screening() -> None:
    """PostgreSQL, outside any transaction (else nothing): VACUUM the registration table and every active list
    table that has rows not yet marked visible, and ANALYZE the registrations after many changes, so that the
    partitions' index-only scans read only their indexes and are planned on the wave's real size.

    A table filled by inserts (a surge, a list load) has no visibility map until a vacuum sets it, and autovacuum
    may be off or late: every "index-only" row of the screening then also reads its heap page (one random page
    read per registration and per list entry, in both phases: 13 s instead of 0.5 s for one partition of a
    6,000,000-registration wave, docs/PERFORMANCE.md). The vacuum is one sequential pass over the pages changed
    since the last one (a new wave's; a list version's once). A list table already all visible is skipped, and
    so is ANALYZE when under 10% of the registrations changed since the last one (its sample costs about a
    second on a table of every wave). Best effort: a table being dropped or vacuumed elsewhere is skipped; the
    screening stays exact either way.
    """
    if not is_postgres() or connection.in_atomic_block:
        return
    reg = Registration._meta.db_table
    lists = [t for t in ExclusionList.objects.active().values_list("table_name", flat=True) if is_list_table(t)]
    with connection.cursor() as cursor:
        # The registrations always (their statistics may lag the last inserts by seconds; a vacuum that finds
        # every page visible reads only the visibility map); a list table, which never changes once loaded,
        # until its pages are all visible.
        cursor.execute(
            "SELECT c.relname, c.relname = %s OR c.relpages = 0 OR c.relallvisible < c.relpages,"
            " s.n_mod_since_analyze > 0.1 * greatest(c.reltuples, 1)"
            " FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = ANY(%s)",
            [reg, [reg, *lists]],
        )
        statements = []
        for table, vacuum, analyze in cursor.fetchall():
            options = ["ANALYZE"] if table == reg and analyze else []
            if vacuum:
                statements.append(f"VACUUM ({', '.join([*options, 'SKIP_LOCKED'])}) {table}")
        for statement in statements:
            try:
                cursor.execute(statement)
            except DatabaseError as exc:
                logger.warning("Screening: %s skipped: %s", statement, exc)


def start_screening(*, wave: Wave, by: User | None, restart: bool = False) -> ScreeningRun | None:
    """Start screening a closed wave: snapshot the lists, create the run and its partitions, enqueue.

    Without `restart` it is idempotent (a duplicate `screen_wave` message finds the wave screening and
    does nothing). With `restart` (staff "Retry screening") a running run is cancelled first: its row
    lock waits for the partitions in flight, whose transactions hold it FOR KEY SHARE, so the two runs
    never interleave; the new run's results replace the old ones.
    """
    from eligibility.screening.tasks import screen_partition

    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if not restart and wave.status != Wave.Status.CLOSED:
            return ScreeningRun.objects.filter(wave=wave, status=ScreeningRun.Status.RUNNING).first()
        if not waves.can_move(wave, to=Wave.Status.SCREENING):
            raise ScreeningError(_("Wave %(number)s cannot be screened while it is %(status)s."),
                                 number=wave.number, status=Wave.Status(wave.status).label)
        earlier = waves.unselected_earlier_wave(wave)
        if earlier is not None:
            raise WaitingForEarlierWave(
                _("Wave %(number)s is screened once the selection of wave %(earlier)s has run: the recipients of "
                  "earlier waves are excluded as prior awardees. It starts by itself after that selection."),
                number=wave.number, earlier=earlier,
            )
        previous = list(
            ScreeningRun.objects.select_for_update().filter(wave=wave, status=ScreeningRun.Status.RUNNING)
        )
        for old in previous:
            old.status = ScreeningRun.Status.CANCELLED
            old.finished_at = timezone.now()
            old.save(update_fields=["status", "finished_at"])
        count = partition_count()
        run = ScreeningRun.objects.create(
            wave=wave,
            started_by=by,
            list_versions=_snapshot_lists(),
            partition_count=count,
            partitions_left=count,
            phase=Phase.LISTS,
            registration_count=Registration.objects.filter(wave=wave).count(),
            # Any earlier run (done, failed or cancelled) may have left results for this wave.
            replaces_results=ScreeningRun.objects.filter(wave=wave).exists(),
        )
        now = timezone.now()
        partitions = ScreeningPartition.objects.bulk_create(
            ScreeningPartition(run=run, phase=Phase.LISTS, number=n, enqueued_at=now) for n in range(count)
        )
        waves.mark_screening(wave)
        for partition in partitions:
            screen_partition.delay_on_commit(partition.pk)
    return run


def claim_partition(*, partition_id: int, previous_attempt: int | None = None) -> int | None:
    """Claim a partition for this delivery: pending -> running, attempts + 1. Returns the attempt
    number, or None when another delivery has it or it is done (a duplicate message).

    `previous_attempt`: a task retrying after a database error takes over its own earlier claim."""
    ours = Q(status=ScreeningPartition.Status.PENDING)
    if previous_attempt is not None:
        ours |= Q(status=ScreeningPartition.Status.RUNNING, attempts=previous_attempt)
    with transaction.atomic():
        running_runs = ScreeningRun.objects.filter(status=ScreeningRun.Status.RUNNING).values("pk")
        claimed = ScreeningPartition.objects.filter(ours, pk=partition_id, run__in=running_runs).update(
            status=ScreeningPartition.Status.RUNNING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
        if not claimed:
            return None
        return ScreeningPartition.objects.values_list("attempts", flat=True).get(pk=partition_id)


def run_partition(*, partition_id: int, attempt: int) -> bool:
    """Do a claimed partition's work in one transaction. Returns False when the claim was lost (the
    sweep re-queued it, or the run was cancelled or failed): nothing is written then."""
    with transaction.atomic():
        # Held to the end: the sweep skips (SKIP LOCKED) a partition whose worker is alive.
        partition = (
            # of=self and no ordering through the run: locking the run row here would serialise the
            # partitions (they share it FOR KEY SHARE).
            ScreeningPartition.objects.select_for_update(of=("self",))
            .filter(pk=partition_id, status=ScreeningPartition.Status.RUNNING, attempts=attempt)
            .order_by("pk")
            .first()
        )
        if partition is None or not _share_lock_running_run(partition.run_id):
            return False
        run = ScreeningRun.objects.get(pk=partition.run_id)
        if is_postgres():
            with connection.cursor() as cursor:
                # docs/PERFORMANCE.md: an SSD; lets the planner merge-join the covering indexes.
                cursor.execute("SET LOCAL random_page_cost = 1.1")
                # Partitions already run side by side on every core: no parallel workers, no JIT
                # compilation for a statement that runs once.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                cursor.execute("SET LOCAL jit = off")
                # The commit does not wait for its WAL to reach the disk (the WAL writer flushes it
                # within a fraction of a second). Safe here: a crash of the database can lose only
                # whole transactions, and a partition's output, its done mark and the run's counter
                # commit in this one transaction, so a lost partition is simply still `running`
                # (its claim, committed earlier and synchronously, survives) and the sweep re-queues
                # it. Anything that depends on this commit (the next phase's claims, the run's
                # completion seen by staff) commits synchronously later, which flushes this WAL
                # first; messages sent on commit find their partition rows gone, or already done,
                # and do nothing.
                cursor.execute("SET LOCAL synchronous_commit = off")
                # Each phase's hash or sorts of one partition in memory, not spilled to temporary files
                # (EXPLAIN ANALYZE at 750,000 registrations a partition: the lists phase's grouping of
                # 107,000 hits needs ~10 MB; the KK phase's window sort and the insert's sort by id about
                # 70 and 130 MB, each).
                cursor.execute(f"SET LOCAL work_mem = '{'256MB' if partition.phase == Phase.KK else '32MB'}'")
        if partition.phase == Phase.LISTS:
            registrations, counts = sql.screen_lists(run, partition)
        else:
            registrations, counts = sql.screen_kk(run, partition)
        partition.status = ScreeningPartition.Status.DONE
        partition.finished_at = timezone.now()
        partition.registrations = registrations
        partition.counts = counts
        partition.error = ""
        partition.save(update_fields=["status", "finished_at", "registrations", "counts", "error"])
        # The run's row lock serialises the tails of concurrent partitions: exactly one sees 0.
        ScreeningRun.objects.filter(pk=run.pk).update(partitions_left=F("partitions_left") - 1)
        run.refresh_from_db(fields=["partitions_left", "phase"])
        if run.partitions_left == 0 and run.phase == partition.phase:
            if run.phase == Phase.LISTS:
                _start_kk_phase(run)
            else:
                _complete_run(run)
    return True


def _share_lock_running_run(run_id: int) -> bool:
    """FOR KEY SHARE on the run row: many partitions hold it at once, but a restart's FOR UPDATE (to
    cancel the run) waits until they commit. The UPDATE of partitions_left does not conflict with it."""
    table = ScreeningRun._meta.db_table
    lock = " FOR KEY SHARE" if is_postgres() else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = %s AND status = %s{lock}",
                       [run_id, ScreeningRun.Status.RUNNING])
        return cursor.fetchone() is not None


def _start_kk_phase(run: ScreeningRun) -> None:
    from eligibility.screening.tasks import screen_partition

    if is_postgres():
        with connection.cursor() as cursor:
            # docs/PERFORMANCE.md: the planner must see the freshly filled hit table.
            cursor.execute(f"ANALYZE {ScreeningHit._meta.db_table}")
    now = timezone.now()
    partitions = ScreeningPartition.objects.bulk_create(
        ScreeningPartition(run=run, phase=Phase.KK, number=n, enqueued_at=now) for n in range(run.partition_count)
    )
    ScreeningRun.objects.filter(pk=run.pk).update(phase=Phase.KK, partitions_left=run.partition_count)
    for partition in partitions:
        screen_partition.delay_on_commit(partition.pk)


def _complete_run(run: ScreeningRun) -> None:
    totals = {"registrations": 0, "eligible": 0, "ineligible": 0, "reasons": {}}
    reasons: Counter[str] = Counter()
    for partition in ScreeningPartition.objects.filter(run=run, phase=Phase.KK):
        totals["registrations"] += partition.registrations
        totals["eligible"] += partition.counts.get("eligible", 0)
        totals["ineligible"] += partition.counts.get("ineligible", 0)
        reasons.update(partition.counts.get("reasons", {}))
    totals["reasons"] = {code: reasons[code] for code in sorted(reasons)}
    if totals["registrations"] != run.registration_count:
        logger.error("Screening run %s wrote %s results for %s registrations",
                     run.pk, totals["registrations"], run.registration_count)
    ScreeningRun.objects.filter(pk=run.pk).update(
        status=ScreeningRun.Status.DONE, finished_at=timezone.now(), outcome_counts=totals
    )
    waves.mark_screened(run.wave_id)
    # Each applicant's result e-mail, queued set-based by a task of its own once the results are final (this
    # transaction commits): at six million registrations that INSERT would hold back the report summary.
    from notifications.tasks import queue_result_mails
    from prakerja.lib.outbox import enqueue_on_commit

    enqueue_on_commit(queue_result_mails, run.wave_id)
    # After the commit, so that the run is seen done without waiting for it. robust: a failed step must not
    # fail a run that has committed; the sweep and the next load release what is left. In this order: the
    # results get fresh statistics, then the report summary staff wait for is enqueued (it plans its queries
    # on those statistics), then the housekeeping nobody waits for: the run's hits go (the sweep removes them
    # if this worker dies first) and list tables replaced while the run used them are dropped.
    transaction.on_commit(_analyze_results, robust=True)
    enqueue_wave_summary(run.wave_id)
    transaction.on_commit(lambda: _clean_up_after(run.pk), robust=True)


def _analyze_results() -> None:
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ScreeningResult._meta.db_table}")


def _clean_up_after(run_id: int) -> None:
    from eligibility.lists.tables import release_unused_list_tables

    ScreeningHit.objects.filter(run_id=run_id).delete()
    if is_postgres() and not connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests wrap one)
        with connection.cursor() as cursor:
            # Every run writes and then deletes its hits: without a vacuum here the table keeps
            # every run's dead rows (autovacuum may be off, or late), and the next run's KK phase
            # and the ANALYZE between the phases read all of them. Cheap: one run's rows at most.
            cursor.execute(f"VACUUM {ScreeningHit._meta.db_table}")
    release_unused_list_tables()


def enqueue_wave_summary(wave_id: int) -> None:
    """Build the wave's report summary in a worker once this transaction commits (reports app)."""
    from reports.tasks import build_wave_summary

    build_wave_summary.delay_on_commit(wave_id)


def fail_start(*, wave_id: int, error: str) -> None:
    """A screening that could not start (a list table gone, say) is recorded as a failed run, so that the wave's
    admin page shows the cause and offers Retry screening; the wave leaves `closed`, so the sweep stops
    re-enqueueing it."""
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave_id)
        if wave.status != Wave.Status.CLOSED:
            return
        ScreeningRun.objects.create(
            wave=wave, status=ScreeningRun.Status.FAILED, finished_at=timezone.now(), error=error[:5000],
            list_versions=[], partition_count=0, partitions_left=0, phase=Phase.LISTS,
            registration_count=Registration.objects.filter(wave=wave).count(),
            replaces_results=ScreeningRun.objects.filter(wave=wave).exists(),
        )
        waves.mark_screening(wave)


def fail_run(*, run_id: int, error: str) -> None:
    """Record a failure with its cause (shown on the wave's admin page); staff retry from there."""
    with transaction.atomic():
        ScreeningRun.objects.filter(pk=run_id, status=ScreeningRun.Status.RUNNING).update(
            status=ScreeningRun.Status.FAILED, finished_at=timezone.now(), error=error[:5000]
        )


def release_partition(*, partition_id: int, attempt: int, error: str = "") -> None:
    """A delivery that hit a database error hands its claim back (best effort; else the sweep does)."""
    ScreeningPartition.objects.filter(
        pk=partition_id, status=ScreeningPartition.Status.RUNNING, attempts=attempt
    ).update(status=ScreeningPartition.Status.PENDING, enqueued_at=timezone.now(), error=error[:2000])


def requeue_stale_partitions(*, older_than: dt.timedelta | None = None) -> list[int]:
    """Re-queue partitions of running runs that are pending or running past `older_than` (default
    SCREENING_STALE_AFTER): their worker vanished (SIGKILL) or the broker lost the message.

    On PostgreSQL, SKIP LOCKED passes over partitions whose work transaction is alive (it holds the
    partition's row lock), however long it takes: only dead claims are re-queued. Also re-enqueues the
    screening of waves left closed with no run (a lost `screen_wave` message). Returns partition ids.
    """
    from eligibility.screening.tasks import screen_partition, screen_wave

    cutoff = timezone.now() - (older_than if older_than is not None else stale_after())
    with transaction.atomic():
        stale = ScreeningPartition.objects.filter(
            Q(status=ScreeningPartition.Status.PENDING, enqueued_at__lt=cutoff)
            | Q(status=ScreeningPartition.Status.RUNNING, claimed_at__lt=cutoff),
            run__status=ScreeningRun.Status.RUNNING,
        )
        if connection.features.has_select_for_update_skip_locked:
            stale = stale.select_for_update(skip_locked=True, of=("self",))
        ids = list(stale.values_list("pk", flat=True))
        if ids:
            ScreeningPartition.objects.filter(pk__in=ids).update(
                status=ScreeningPartition.Status.PENDING, enqueued_at=timezone.now()
            )
            for pk in ids:
                screen_partition.delay_on_commit(pk)
        for wave_id in Wave.objects.filter(status=Wave.Status.CLOSED, closed_at__lt=cutoff).values_list("pk", flat=True):
            screen_wave.delay_on_commit(wave_id)
        # Hits of finished runs whose worker died before cleaning up.
        ScreeningHit.objects.exclude(run__status=ScreeningRun.Status.RUNNING).delete()
    if ids:
        logger.warning("Re-queued stale screening partitions %s", ids)
    return ids


def run_progress(run: ScreeningRun) -> dict:
    """Partitions done/total per phase, registrations screened so far and the counts so far."""
    partitions = list(ScreeningPartition.objects.filter(run=run).order_by("phase", "number"))
    by_phase = {phase: [p for p in partitions if p.phase == phase] for phase in (Phase.LISTS, Phase.KK)}
    kk_done = [p for p in by_phase[Phase.KK] if p.status == ScreeningPartition.Status.DONE]
    lists_done = [p for p in by_phase[Phase.LISTS] if p.status == ScreeningPartition.Status.DONE]
    reasons: Counter[str] = Counter()
    source = kk_done if run.phase == Phase.KK or run.status == ScreeningRun.Status.DONE else lists_done
    for partition in source:
        reasons.update(partition.counts.get("reasons", {}))
    return {
        "lists_done": len(lists_done),
        "kk_done": len(kk_done),
        "total": run.partition_count,
        "screened": sum(p.registrations for p in kk_done),
        "eligible": sum(p.counts.get("eligible", 0) for p in kk_done),
        "ineligible": sum(p.counts.get("ineligible", 0) for p in kk_done),
        "reasons": {code: reasons[code] for code in sorted(reasons)},
        "reason_rows": [(code, ReasonCode(code).label, reasons[code]) for code in sorted(reasons)],
        "reasons_are_list_hits": source is lists_done,
        "attempts": sum(p.attempts for p in partitions),
        "errors": [p.error for p in partitions if p.error],
    }