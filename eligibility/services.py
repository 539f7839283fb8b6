"""Closing a wave, screening its registrations and running the quota lottery (issue #3).

The rules are in ../shared/DOMAIN.md. Every step is set-based SQL on the database: a wave holds
millions of registrations and the lists tens of millions of digests.

Screening state lives in the database (ScreeningRun, ScreeningPartition), never in a chord or a
result backend, so that any worker on any machine can do any partition, a partition whose worker
vanished is re-queued by `requeue_stale_partitions`, and a redelivered task is harmless:

1. `close_wave` flips open -> closed once (conditional UPDATE under the wave's row lock) and
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
import re
import uuid
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eligibility.models.lists import ExclusionList, ListCategory
from eligibility.models.screening import (
    Phase, ReasonCode, ScreeningHit, ScreeningPartition, ScreeningResult, ScreeningRun,
)
from prakerja.lib.messages import TranslatableError
from prakerja.lib.timefmt import iso_wib
from registration.models import Applicant, Registration, User, Wave

logger = logging.getLogger(__name__)

# Bit i of a hit mask is LIST_CODES[i]; alphabetical, so reasons come out in alphabetical order.
LIST_CODES: list[str] = sorted(ListCategory.values)
PRIOR_AWARDEE = ListCategory.PRIOR_AWARDEE.value
KK_LIMIT = "kk_limit"
KK_SLOTS = 2  # at most two recipients per family card, across the whole programme
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class ScreeningError(TranslatableError):
    """A refused screening or selection step; str() is a message for staff in their language."""


class WaitingForEarlierWave(ScreeningError):
    """A wave is screened only once every earlier wave's lottery has run: their recipients are prior awardees."""


# Waves closed whose lottery has not run yet: their recipients are not known.
_UNSELECTED = (Wave.Status.CLOSED, Wave.Status.SCREENING, Wave.Status.SCREENED)


def unselected_earlier_wave(wave: Wave) -> int | None:
    """The number of the first earlier wave that has closed but whose selection has not run, if any.

    Earlier waves' selected registrations count against the KK and as prior awardees (DOMAIN.md). Screening
    a wave before an earlier wave's lottery would miss them: one person, or a third member of one KK, could be
    selected in both waves.
    """
    return (Wave.objects.filter(number__lt=wave.number, status__in=_UNSELECTED)
            .order_by("number").values_list("number", flat=True).first())


def partition_count() -> int:
    """Partitions per phase (env SCREENING_PARTITIONS, 1-256: a system check refuses others); results do not
    depend on it."""
    return settings.SCREENING_PARTITIONS


def stale_after() -> dt.timedelta:
    """A partition pending or claimed longer than this without finishing is re-queued by the sweep."""
    return dt.timedelta(seconds=settings.SCREENING_STALE_AFTER)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Closing ------------------------------------------------------------------------------------------

def close_wave(*, wave: Wave, by: User | None) -> bool:
    """Close an open wave and enqueue its screening. Idempotent: returns False when it was not open.

    Race with joining: join_wave holds FOR SHARE on the wave row and re-checks the status inside its
    transaction. FOR UPDATE here waits for those in-flight joins to commit (they are screened), and
    every join after this commit sees the wave closed.
    """
    from eligibility.tasks import screen_wave

    with transaction.atomic():
        Wave.objects.select_for_update().filter(pk=wave.pk).first()
        closed = Wave.objects.filter(pk=wave.pk, status=Wave.Status.OPEN).update(
            status=Wave.Status.CLOSED, closed_at=timezone.now(), closed_by=by
        )
        if closed:
            # The conditional UPDATE makes this the only transaction that enqueues the screening.
            screen_wave.delay_on_commit(wave.pk)
    return bool(closed)


def close_due_waves(*, now: dt.datetime | None = None) -> list[int]:
    """Close every open wave whose deadline has passed (Celery beat). Returns the closed numbers."""
    now = now or timezone.now()
    closed = []
    for wave in Wave.objects.filter(status=Wave.Status.OPEN, closes_at__lte=now).order_by("closes_at"):
        if close_wave(wave=wave, by=None):
            closed.append(wave.number)
    return closed


# --- Starting a run -----------------------------------------------------------------------------------

def _snapshot_lists() -> list[dict]:
    """The active version of every list, locked FOR SHARE so that a concurrent swap (which updates the
    old version's status) waits for this transaction: once this run commits, the list loader sees it
    running and keeps the tables it uses."""
    active = ExclusionList.objects.active()
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {ExclusionList._meta.db_table} WHERE status = %s FOR SHARE",
                [ExclusionList.Status.ACTIVE],
            )
    # A new statement: sees a swap that committed while we waited for the lock.
    versions = []
    for version in active.select_related("loaded_by").order_by("category"):
        if not _TABLE_NAME.match(version.table_name or ""):
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


def start_screening(*, wave: Wave, by: User | None, restart: bool = False) -> ScreeningRun | None:
    """Start screening a closed wave: snapshot the lists, create the run and its partitions, enqueue.

    Without `restart` it is idempotent (a duplicate `screen_wave` message finds the wave screening and
    does nothing). With `restart` (staff "Retry screening") a running run is cancelled first: its row
    lock waits for the partitions in flight, whose transactions hold it FOR KEY SHARE, so the two runs
    never interleave; the new run's results replace the old ones.
    """
    from eligibility.tasks import screen_partition

    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if not restart and wave.status != Wave.Status.CLOSED:
            return ScreeningRun.objects.filter(wave=wave, status=ScreeningRun.Status.RUNNING).first()
        if wave.status not in (Wave.Status.CLOSED, Wave.Status.SCREENING, Wave.Status.SCREENED):
            raise ScreeningError(_("Wave %(number)s cannot be screened while it is %(status)s."),
                                 number=wave.number, status=Wave.Status(wave.status).label)
        earlier = unselected_earlier_wave(wave)
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
        Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.SCREENING)
        for partition in partitions:
            screen_partition.delay_on_commit(partition.pk)
    return run


# --- Partitions ---------------------------------------------------------------------------------------

def digest_bounds(number: int, count: int) -> tuple[uuid.UUID, uuid.UUID | None]:
    """Partition `number` of `count` covers digests in [low, high); the last one has no upper bound.

    The digests are HMAC output, uniform over 128 bits: equal ranges are equal shares.
    """
    low = uuid.UUID(int=(number << 128) // count)
    high = uuid.UUID(int=((number + 1) << 128) // count) if number + 1 < count else None
    return low, high


def _uuid_param(value: uuid.UUID) -> str:
    # PostgreSQL: a uuid literal; SQLite: Django stores UUIDField as 32 lowercase hex characters,
    # whose text order equals the byte order PostgreSQL uses for uuid.
    return str(value) if _is_postgres() else value.hex


def _range_sql(column: str, high: uuid.UUID | None) -> str:
    return f"{column} >= %(low)s" + (f" AND {column} < %(high)s" if high is not None else "")


def _earlier_recipient_waves(wave_id: int) -> list[int]:
    number = Wave.objects.filter(pk=wave_id).values_list("number", flat=True).get()
    return list(Wave.objects.filter(number__lt=number, status=Wave.Status.SELECTED).values_list("pk", flat=True))


def _earlier_recipient_waves_sql(wave_id: int, params: dict) -> str:
    """Placeholders for the earlier waves' ids ("" when there are none), their values added to `params`."""
    earlier = _earlier_recipient_waves(wave_id)
    params.update({f"w{i}": pk for i, pk in enumerate(earlier)})
    return ", ".join(f"%(w{i})s" for i in range(len(earlier)))


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
        if _is_postgres():
            with connection.cursor() as cursor:
                # PERFORMANCE.md: an SSD; lets the planner merge-join the covering indexes.
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
                if partition.phase == Phase.KK:
                    # The window's sort of one partition (a few hundred thousand narrow rows) in memory.
                    cursor.execute("SET LOCAL work_mem = '64MB'")
        if partition.phase == Phase.LISTS:
            registrations, counts = _screen_lists(run, partition)
        else:
            registrations, counts = _screen_kk(run, partition)
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
    lock = " FOR KEY SHARE" if _is_postgres() else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = %s AND status = %s{lock}",
                       [run_id, ScreeningRun.Status.RUNNING])
        return cursor.fetchone() is not None


def _screen_lists(run: ScreeningRun, partition: ScreeningPartition) -> tuple[int, dict]:
    """Lists phase for one NIK digest range: every list the NIK is on, as a bit mask per registration.

    Both sides of each join are restricted to the range, so the planner merge-joins two index ranges
    (registration (wave_id, nik_digest) INCLUDE (id), list (nik_digest)).
    """
    qn = connection.ops.quote_name
    reg = Registration._meta.db_table
    low, high = digest_bounds(partition.number, run.partition_count)
    params = {"run": run.pk, "wave": run.wave_id, "partition": partition.number, "low": _uuid_param(low)}
    if high is not None:
        params["high"] = _uuid_param(high)
    branches = []
    for version in run.list_versions:
        _check_table_name(version)
        bit = 1 << LIST_CODES.index(version["category"])
        branches.append(
            f"SELECT r.id, {bit} AS bit FROM {reg} r JOIN {qn(version['table_name'])} l ON l.nik_digest = r.nik_digest"
            f" WHERE r.wave_id = %(wave)s AND {_range_sql('r.nik_digest', high)} AND {_range_sql('l.nik_digest', high)}"
        )
    waves = _earlier_recipient_waves_sql(run.wave_id, params)
    if waves:
        # Selected in an earlier wave of this system: prior_awardee, like the 2020 list.
        branches.append(
            f"SELECT r.id, {1 << LIST_CODES.index(PRIOR_AWARDEE)} AS bit FROM {reg} r"
            f" JOIN {reg} r2 ON r2.nik_digest = r.nik_digest"
            f" JOIN {ScreeningResult._meta.db_table} s ON s.registration_id = r2.id"
            f" WHERE r.wave_id = %(wave)s AND {_range_sql('r.nik_digest', high)}"
            f" AND s.wave_id IN ({waves}) AND s.selected"
        )
    hit = ScreeningHit._meta.db_table
    with connection.cursor() as cursor:
        # A re-delivered partition never commits twice (its claim), but stay exact regardless.
        cursor.execute(f"DELETE FROM {hit} WHERE run_id = %(run)s AND partition = %(partition)s", params)
        if not branches:
            return 0, {"reasons": {}}
        # SUM(DISTINCT bit) is a bitwise OR: the 2020 list and an earlier selection give one bit.
        cursor.execute(
            f"INSERT INTO {hit} (run_id, registration_id, partition, mask)"
            f" SELECT %(run)s, h.id, %(partition)s, SUM(DISTINCT h.bit)"
            f" FROM ({' UNION ALL '.join(branches)}) h GROUP BY h.id",
            params,
        )
        cursor.execute(
            f"SELECT mask, COUNT(*) FROM {hit} WHERE run_id = %(run)s AND partition = %(partition)s GROUP BY mask",
            params,
        )
        reasons: Counter[str] = Counter()
        hits = 0
        for mask, number in cursor.fetchall():
            hits += number
            for code in _codes(mask):
                reasons[code] += number
    return hits, {"reasons": dict(reasons)}


def _check_table_name(version: dict) -> None:
    # Table names are interpolated into SQL: only the loader's plain identifiers pass.
    if not _TABLE_NAME.match(version.get("table_name") or ""):
        raise ScreeningError(_("List %(category)s #%(id)s has no usable table (%(table)r)."),
                             category=version.get("category"), id=version.get("version_id"),
                             table=version.get("table_name"))


def _codes(mask: int) -> list[str]:
    return [code for i, code in enumerate(LIST_CODES) if mask & (1 << i)]


def _reasons_sql(mask: str) -> str:
    """The reason codes of a hit mask, joined by ';' in alphabetical order (LIST_CODES is sorted)."""
    parts = " || ".join(f"CASE WHEN {mask} & {1 << i} <> 0 THEN ';{code}' ELSE '' END"
                        for i, code in enumerate(LIST_CODES))
    return f"LTRIM({parts}, ';')"


def _screen_kk(run: ScreeningRun, partition: ScreeningPartition) -> tuple[int, dict]:
    """KK phase for one KK digest range: the results, with the KK rule, for its registrations.

    Among the registrations with no list reason, per KK ordered by registration time then id, the
    first `2 - prior recipients of the KK` are eligible and the rest get kk_limit. Prior recipients
    are the 2020 list's rows with that KK and earlier waves' selected registrations with that KK,
    each person counted once (by NIK digest). An ineligible family member never uses a slot.
    """
    qn = connection.ops.quote_name
    reg = Registration._meta.db_table
    result = ScreeningResult._meta.db_table
    low, high = digest_bounds(partition.number, run.partition_count)
    params = {"run": run.pk, "wave": run.wave_id, "low": _uuid_param(low)}
    if high is not None:
        params["high"] = _uuid_param(high)
    in_range = f"r.wave_id = %(wave)s AND {_range_sql('r.kk_digest', high)}"

    prior_sources = []
    prior_list = next((v for v in run.list_versions if v["category"] == PRIOR_AWARDEE), None)
    if prior_list:
        _check_table_name(prior_list)
        prior_sources.append(
            f"SELECT l.kk_digest, l.nik_digest FROM {qn(prior_list['table_name'])} l"
            f" WHERE l.kk_digest IS NOT NULL AND {_range_sql('l.kk_digest', high)}"
        )
    waves = _earlier_recipient_waves_sql(run.wave_id, params)
    if waves:
        prior_sources.append(
            f"SELECT r2.kk_digest, r2.nik_digest FROM {result} s JOIN {reg} r2 ON r2.id = s.registration_id"
            f" WHERE s.wave_id IN ({waves}) AND s.selected AND {_range_sql('r2.kk_digest', high)}"
        )
    if prior_sources:
        # One source: the list's nik_digest is unique, COUNT(*) counts people (and the list's
        # (kk_digest) index answers alone). Two: a person on both counts once.
        counted = "COUNT(DISTINCT x.nik_digest)" if len(prior_sources) > 1 else "COUNT(*)"
        prior_cte = (
            f", prior AS (SELECT x.kk_digest, {counted} AS n"
            f" FROM ({' UNION ALL '.join(prior_sources)}) x GROUP BY x.kk_digest)"
        )
        prior_join, prior_n = " LEFT JOIN prior pr ON pr.kk_digest = p.kk_digest", "COALESCE(pr.n, 0)"
    else:
        prior_cte, prior_join, prior_n = "", "", "0"

    body = (
        f"WITH part AS ("
        f"  SELECT r.id, r.kk_digest, r.registered_at, COALESCE(h.mask, 0) AS mask FROM {reg} r"
        f"  LEFT JOIN {ScreeningHit._meta.db_table} h ON h.run_id = %(run)s AND h.registration_id = r.id"
        f"  WHERE {in_range}"
        f"){prior_cte}, ranked AS ("
        f"  SELECT p.id, p.mask, {prior_n} AS prior,"
        # Free slots are used in registration order (ties by id), by family members with no list reason.
        f"   ROW_NUMBER() OVER (PARTITION BY p.kk_digest, p.mask = 0 ORDER BY p.registered_at, p.id) AS pos"
        f"  FROM part p{prior_join}"
        f")"
    )
    insert = (
        f"INSERT INTO {result} (registration_id, wave_id, run_id, status, reasons, rank, selected)"
        f" SELECT id, %(wave)s, %(run)s,"
        f"  CASE WHEN mask = 0 AND pos <= {KK_SLOTS} - prior THEN 'eligible' ELSE 'ineligible' END,"
        f"  CASE WHEN mask <> 0 THEN {_reasons_sql('mask')}"
        f"   WHEN pos > {KK_SLOTS} - prior THEN '{KK_LIMIT}' ELSE '' END,"
        f"  NULL, NULL FROM ranked"
        # In primary-key order: the index's leaf pages are then visited once each, in order.
        f" ORDER BY id"
    )
    with connection.cursor() as cursor:
        if run.replaces_results:
            # Re-run: this partition's registrations lose their previous results in the same transaction.
            if _is_postgres():
                # The range's ids (an index-only scan), then one primary-key probe each: the cost follows
                # the partition's size, never the size of the result table (every wave's results), and
                # no plan built on stale statistics of a table the other partitions are filling can
                # walk all of it (measured, 500,000 registrations: 0.4-0.7 s, against 0.8-1.1 s for
                # `IN (SELECT ...)` planned as a join).
                cursor.execute(
                    f"DELETE FROM {result} WHERE registration_id = ANY(ARRAY(SELECT r.id FROM {reg} r WHERE {in_range}))",
                    params,
                )
            else:
                cursor.execute(
                    f"DELETE FROM {result} WHERE registration_id IN (SELECT r.id FROM {reg} r WHERE {in_range})", params
                )
        if _is_postgres():
            cursor.execute(f"{body}, ins AS ({insert} RETURNING reasons) SELECT reasons, COUNT(*) FROM ins GROUP BY reasons",
                           params)
            rows = cursor.fetchall()
        else:
            cursor.execute(f"{body} {insert}", params)
            cursor.execute(
                f"SELECT s.reasons, COUNT(*) FROM {result} s WHERE s.registration_id IN"
                f" (SELECT r.id FROM {reg} r WHERE {in_range}) GROUP BY s.reasons",
                params,
            )
            rows = cursor.fetchall()
    counts = {"eligible": 0, "ineligible": 0, "reasons": {}}
    reasons: Counter[str] = Counter()
    total = 0
    for text, number in rows:
        total += number
        counts["eligible" if not text else "ineligible"] += number
        for code in filter(None, text.split(";")):
            reasons[code] += number
    counts["reasons"] = dict(reasons)
    return total, counts


def _start_kk_phase(run: ScreeningRun) -> None:
    from eligibility.tasks import screen_partition

    if _is_postgres():
        with connection.cursor() as cursor:
            # PERFORMANCE.md: the planner must see the freshly filled hit table.
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
    Wave.objects.filter(pk=run.wave_id, status=Wave.Status.SCREENING).update(status=Wave.Status.SCREENED)
    # Housekeeping after the commit, so that the run is seen done without waiting for it: the run's
    # hits go (the sweep removes them if this worker dies first), the results get fresh statistics,
    # and list tables replaced while the run used them are dropped (this run no longer holds them).
    # robust: a failed clean-up must not fail a run that has committed; the sweep and the next
    # load release what is left.
    transaction.on_commit(lambda: _clean_up_after(run.pk), robust=True)
    # Registered after the clean-up, so it is enqueued once the results have their statistics:
    # the report summary is built off the request path, before staff open the first page.
    _enqueue_wave_summary(run.wave_id)


def _clean_up_after(run_id: int) -> None:
    from eligibility.lists import release_unused_list_tables

    ScreeningHit.objects.filter(run_id=run_id).delete()
    if _is_postgres():
        with connection.cursor() as cursor:
            if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests wrap one)
                # Every run writes and then deletes its hits: without a vacuum here the table keeps
                # every run's dead rows (autovacuum may be off, or late), and the next run's KK phase
                # and the ANALYZE between the phases read all of them. Cheap: one run's rows at most.
                cursor.execute(f"VACUUM {ScreeningHit._meta.db_table}")
            cursor.execute(f"ANALYZE {ScreeningResult._meta.db_table}")
    release_unused_list_tables()


def _enqueue_wave_summary(wave_id: int) -> None:
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
        Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.SCREENING)


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
    from eligibility.tasks import screen_partition, screen_wave

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


# --- Progress (admin) ---------------------------------------------------------------------------------

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


# --- Selection ----------------------------------------------------------------------------------------

def _check_earlier_recipients_known(wave: Wave) -> None:
    """Refuse a selection while an earlier wave's recipients are unknown. (Its screening waited for them too, and
    published waves run in number order: registration.services.check_number_order.)"""
    earlier = unselected_earlier_wave(wave)
    if earlier is not None:
        raise ScreeningError(_("Run the selection of wave %(earlier)s first: its recipients are prior awardees "
                               "for wave %(number)s."), number=wave.number, earlier=earlier)


def select_awardees(*, wave: Wave, by: User | None) -> int:
    """Rank every eligible registration by SHA-256 of "{seed}:{nik}" (ascending hex), select the first
    `quota`, keep every rank (the reserve list) and reveal the seed. Returns the number selected.

    Idempotent: a selected wave is returned unchanged. Set-based: one UPDATE ... FROM a ROW_NUMBER()
    window, the hash computed by the database (PostgreSQL's built-in sha256(); on SQLite the SHA256()
    function Django registers on every connection).
    """
    result = ScreeningResult._meta.db_table
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if wave.status == Wave.Status.SELECTED:
            return ScreeningResult.objects.filter(wave_id=wave.pk, selected=True).count()
        if wave.status != Wave.Status.SCREENED:
            raise ScreeningError(
                _("Wave %(number)s must be screened before the selection (it is %(status)s)."),
                number=wave.number, status=Wave.Status(wave.status).label,
            )
        _check_earlier_recipients_known(wave)
        if _is_postgres():
            # sha256(bytea) orders bytewise, which is the order of its hex form.
            ticket = "sha256(convert_to(%(seed)s || ':' || a.nik, 'UTF8'))"
        else:
            ticket = "SHA256(%(seed)s || ':' || a.nik)"
        params = {"seed": wave.seed, "wave": wave.pk, "quota": wave.quota, "eligible": ScreeningResult.Status.ELIGIBLE}
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {result} SET rank = ranked.n, selected = (ranked.n <= %(quota)s)"
                f" FROM (SELECT s.registration_id, ROW_NUMBER() OVER (ORDER BY {ticket}, s.registration_id) AS n"
                f"  FROM {result} s JOIN {Registration._meta.db_table} r ON r.id = s.registration_id"
                f"  JOIN {Applicant._meta.db_table} a ON a.user_id = r.applicant_id"
                f"  WHERE s.wave_id = %(wave)s AND s.status = %(eligible)s) ranked"
                f" WHERE {result}.registration_id = ranked.registration_id",
                params,
            )
            cursor.execute(
                f"UPDATE {result} SET rank = NULL, selected = FALSE WHERE wave_id = %(wave)s AND status <> %(eligible)s",
                params,
            )
        Wave.objects.filter(pk=wave.pk).update(
            status=Wave.Status.SELECTED, seed_revealed_at=timezone.now(), selected_by=by
        )
        # A later wave waiting for these recipients starts its screening now (the sweep is the fallback).
        from eligibility.tasks import screen_wave

        waiting = Wave.objects.filter(number__gt=wave.number, status=Wave.Status.CLOSED)
        for wave_id in waiting.values_list("pk", flat=True):
            screen_wave.delay_on_commit(wave_id)
        selected = ScreeningResult.objects.filter(wave_id=wave.pk, selected=True).count()
        _enqueue_wave_summary(wave.pk)
    logger.info("Wave %s: %s selected by user #%s", wave.number, selected, by.pk if by else None)
    return selected
