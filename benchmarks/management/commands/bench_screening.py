"""`make bench` (via run_benchmarks): screening a closed wave end to end, beside two references.

On PostgreSQL only. Builds (once; cached between runs, keyed by the sizes) a wave of N registrations
(accounts, applicants and registrations by INSERT ... SELECT generate_series) and M list entries spread
over the eleven lists, as list tables following the ExclusionList contract, created directly by SQL
(not through the loader). Then, in the same run:

- end to end: close the wave -> `screen_wave` -> every partition as a Celery task on a REAL worker
  process (prefork, --concurrency, started before the clock starts) -> the run completes with a
  result stored for every registration. Timed from the close until the run is done (polled).
  Before each timed run the wave is reset (untimed) to a wave that was never screened: no results
  and no earlier runs; no VACUUM, REINDEX or CHECKPOINT the product would not run after a real surge. `--rerun` times staff retries instead: the previous run's results stay, and
  the timed run replaces them. The worker builds the report summary the run enqueues before it is
  stopped, untimed, so that no leftover task takes a worker process during the next timed run.
- reference 1: one bare SQL join of the same tables (registration digests joined with the list
  digests, counted), as PostgreSQL runs it by default (parallel workers allowed).
- reference 2: a per-row ORM job on a sample of registrations (one list look-up, one family look-up
  and one ORM insert per registration, each committed as a real per-row job would), extrapolated to N.

Digests here are md5-based uuids (the same on both sides), not the keyed HMAC: the join does not care.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from benchmarks import headline
from benchmarks.people import insert_people
from eligibility import waves
from eligibility.screening import services
from eligibility.screening import sql as screening_sql
from eligibility.lists import tables
from eligibility.models.lists import ExclusionList, ListCategory
from eligibility.models.screening import Phase, ScreeningPartition, ScreeningResult, ScreeningRun
from notifications.models import Notification
from prakerja.lib import cli
from registration.models import Registration, Wave
from reports.models import WaveSummary

WAVE_NUMBER = waves.BENCHMARK_WAVES_FROM + 100  # 9100-9199, one wave per size; benchmark waves may be reset (eligibility.waves)
META = "bench_screening_meta"
PREFIX = "bench_screening_"
ROOT = Path(settings.BASE_DIR)
CATEGORIES = sorted(ListCategory.values)


class Command(cli.Command):
    help = "Benchmark: screen a closed wave (default 1,000,000 registrations x 10,000,000 list entries)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--registrations", type=cli.positive_count, default=1_000_000)
        parser.add_argument("--entries", type=cli.positive_count, default=10_000_000)
        parser.add_argument("--partitions", type=cli.positive_count, default=None,
                            help="partitions per phase (default: the product's, SCREENING_PARTITIONS)")
        parser.add_argument("--workers", type=cli.positive_count, default=2,
                            help="worker process concurrency (prefork)")
        parser.add_argument("--sample", type=cli.positive_count, default=2_000,
                            help="registrations in the per-row baseline")
        parser.add_argument("--fresh", action="store_true", help="rebuild the generated data")
        parser.add_argument("--no-references", action="store_true", help="time the screening only")
        parser.add_argument("--repeat", type=cli.positive_count, default=3,
                            help="timed screenings (the median is reported)")
        parser.add_argument("--rerun", action="store_true",
                            help="time re-runs: each screening replaces the previous one's stored results")

    def handle(self, *args, registrations: int, entries: int, partitions: int | None, workers: int,
               sample: int, fresh: bool, no_references: bool = False, repeat: int = 3, rerun: bool = False,
               **options) -> None:
        cli.require_postgresql("bench_screening")
        call_command("migrate", interactive=False, verbosity=0)
        partitions = partitions or settings.SCREENING_PARTITIONS  # measured as the product runs
        out = self.stdout.write

        started = time.perf_counter()
        wave = self._ensure_data(registrations, entries, fresh)
        size = f"{registrations:,} x {entries:,}"
        out(f"data: {registrations:,} registrations, {entries:,} list entries in {len(CATEGORIES)} lists "
            f"(ready in {time.perf_counter() - started:.1f} s); every figure below: median of {repeat} runs")
        self._reset(wave)
        if not no_references:
            bare, bare_times = self._bare_join(wave, repeat)
            out(f"reference: one bare SQL join (registrations x list digests, count):       {bare:8.2f} s  ({_spread(bare_times)})")
            serial, runs = self._bare_join(wave, repeat, parallel=False)
            out(f"           the same join without parallel workers (one backend):          {serial:8.2f} s  ({_spread(runs)})")
            one, runs = self._one_statement(wave, repeat)
            out(f"reference: the same screening as one SQL statement (one INSERT):         {one:8.2f} s  ({_spread(runs)})")
            per_row, per_row_each = self._per_row(wave, sample, registrations)
            out(f"reference: per-row ORM job, {sample:,} sampled ({per_row_each * 1e6:,.0f} us each, committed), "
                f"extrapolated: {per_row:8.1f} s")
        times, with_summary, phases = [], [], []
        if rerun and not ScreeningResult.objects.filter(wave_id=wave.pk).exists():
            self._reset(wave)
            self._end_to_end(wave, partitions, workers)  # untimed: the results the re-runs replace
        for number in range(1, max(1, repeat) + 1):
            self._reset(wave, keep_results=rerun)
            visible = _all_visible(Registration._meta.db_table)
            lists_visible = min(_all_visible(table) for table in self._tables().values())
            elapsed, run, summarised, mailed = self._end_to_end(wave, partitions, workers)
            times.append(elapsed)
            with_summary.append(summarised)
            phases.append(_phase_times(run))
            # From the run's completion (finished_at, at the start of its completing transaction) until the bench
            # saw it done: that transaction's work after the counts, and its commit.
            phases[-1]["completion"] = elapsed - phases[-1]["done"]
            phases[-1]["summary"] = summarised - elapsed
            phases[-1]["mails"] = mailed - elapsed
            # The screening's first step vacuums the registrations and lists (timed): a run that finds them all-visible
            # (an earlier run's vacuum) skips that cost, which a real wave's one screening pays. Each run says which
            # (as of the last VACUUM or ANALYZE; a transaction left open anywhere on the server keeps a vacuum
            # from marking newer rows visible).
            out(f"  run {number}: {elapsed:.2f} s, with the summary {summarised:.2f} s; pages all-visible before it: "
                f"registrations {visible:.0%}, lists >= {lists_visible:.0%}; phases: vacuum+start {phases[-1]['start']:.2f} s, lists "
                f"{phases[-1]['lists']:.2f} s, kk {phases[-1]['kk']:.2f} s, completion {phases[-1]['completion']:.2f} s, "
                f"summary {phases[-1]['summary']:.2f} s; every result e-mail queued {phases[-1]['mails']:.2f} s after it was "
                f"done (beside the summary, not waited for by staff)")
        elapsed, summary_median = _median(times), _median(with_summary)
        what = "re-screening (replacing stored results)" if rerun else "screening"
        out(f"{what} end to end ({partitions} partitions per phase, real worker x{workers}):   {elapsed:8.2f} s  "
            f"({_spread(times)})")
        out("  per phase (start: close to first claim, the vacuum included; lists, kk: first claim to last partition "
            "done; completion: the completing transaction after the counts, until seen done; summary: seen done to "
            "summary stored; mails: seen done to every result e-mail queued, beside the summary):")
        for phase in ("start", "lists", "kk", "completion", "summary", "mails"):
            each = [p[phase] for p in phases]
            out(f"    {phase:7} {_median(each):6.2f} s  ({_spread(each)})")
        out(f"  ... until the report summary staff wait for is stored:                  {summary_median:8.2f} s  "
            f"({_spread(with_summary)})")
        if no_references:
            return
        counts = run.outcome_counts
        out(f"  results: {counts['registrations']:,} (eligible {counts['eligible']:,}, "
            f"ineligible {counts['ineligible']:,}); reasons {counts['reasons']}")
        stored = ScreeningResult.objects.filter(wave_id=wave.pk).count()
        if stored != registrations or counts["registrations"] != registrations:
            raise CommandError(f"expected {registrations:,} results, found {stored:,}")
        ratio_bare, speedup = elapsed / bare, per_row / elapsed
        ratio_summary = summary_median / bare
        out(f"  {size}: screening {ratio_bare:.2f}x the bare join ({elapsed / serial:.2f}x the single-backend join, "
            f"{elapsed / one:.2f}x the one-statement screening)")
        out(f"  {size}: screening with its report summary {ratio_summary:.2f}x the bare join (target <= 3x): "
            f"{'OK' if ratio_summary <= 3 else 'MISSED'}")
        out(f"  {speedup:,.0f}x faster than per-row (target >= 100x): {'OK' if speedup >= 100 else 'MISSED'}")
        reference = f"bare count join {headline.spread(bare_times, unit='s')}"
        headline.record(f"screening end to end, {size}", headline.spread(times, unit="s"),
                        f"{reference}; one-statement screening {one:.2f} s",
                        f"{ratio_bare:.2f}x ({elapsed / one:.2f}x the one-statement screening)")
        headline.record(f"screening until the report summary is stored, {size}", headline.spread(with_summary, unit="s"),
                        reference, headline.verdict(ratio_summary, at_most=3))
        headline.record(f"per-row job (each row committed), {size}", f"{per_row:,.0f} s extrapolated", "-",
                        f"the screening {speedup:,.0f}x faster (>= 100x: {'met' if speedup >= 100 else '**missed**'})")

    # --- data ------------------------------------------------------------------------------------------

    def _ensure_data(self, n: int, m: int, fresh: bool) -> Wave:
        """The wave of `n` registrations and the lists of `m` entries, each built once and kept: every size
        has its own wave (persons 1..n of one pool) and every list size its own tables, so that `make bench`'s
        three sizes and a quick run afterwards reuse what is there."""
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {META} (what text PRIMARY KEY, size bigint NOT NULL)")
            cursor.execute(f"SELECT what, size FROM {META}")
            have = dict(cursor.fetchall())
        wave = Wave.objects.filter(pk=have.get(f"wave:{n}")).first()
        if fresh or wave is None:
            self._ensure_people(n, have.get("people", 0))
            wave = self._build_registrations(n, wave)
        self._prefix = f"{PREFIX}{m}_"
        if fresh or have.get(f"entries:{m}") != m or not self._lists_intact():
            self._build_lists(m)
        self._activate_lists()
        return wave

    def _remember(self, cursor, what: str, size: int) -> None:
        cursor.execute(f"INSERT INTO {META} VALUES (%s, %s) ON CONFLICT (what) DO UPDATE SET size = EXCLUDED.size",
                       [what, size])

    def _ensure_people(self, n: int, have: int) -> None:
        """Persons 1..n of the pool every bench wave draws from (built once, extended when a larger wave asks)."""
        if have >= n:
            return
        self.stdout.write(f"building accounts and applicants {have + 1:,}..{n:,} ...")
        with transaction.atomic(), connection.cursor() as cursor:
            insert_people(cursor, email_prefix="bench-screening-", nik_prefix="99", count=n, first=have + 1)
            self._remember(cursor, "people", n)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registration_applicant")
            cursor.execute("ANALYZE registration_user")

    def _build_registrations(self, n: int, old: Wave | None) -> Wave:
        self.stdout.write(f"building a wave of {n:,} registrations ...")
        reg = Registration._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            if old:
                cursor.execute(f"DELETE FROM {ScreeningResult._meta.db_table} WHERE wave_id = %s", [old.pk])
                ScreeningRun.objects.filter(wave=old).delete()
                cursor.execute(f"DELETE FROM {reg} WHERE wave_id = %s", [old.pk])
                Wave.objects.filter(pk=old.pk).delete()
            now = timezone.now()
            number = max(WAVE_NUMBER, (Wave.objects.filter(number__gte=WAVE_NUMBER, number__lt=WAVE_NUMBER + 100)
                                       .aggregate(top=Max("number"))["top"] or 0) + 1)
            wave = Wave.objects.create(number=number, quota=max(1, n // 2),
                                       opens_at=now - dt.timedelta(days=30),
                                       closes_at=now - dt.timedelta(days=1))
            # Not publish_wave: the bench wave lies beside other benchmark waves (bench_report_csv numbers its
            # waves higher), which number order would refuse (docs/DOMAIN.md); waves.py allows it for bench waves.
            wave = waves.publish_benchmark_wave(wave=wave)
            # Person i: NIK 99 + i, family card 99 + i/3 (families of three), phone +6289 + i (benchmarks.people).
            # Registration times spread over the window, many sharing a second (ties broken by id).
            cursor.execute(
                f"INSERT INTO {reg} (wave_id, applicant_id, registered_at, nik_digest, kk_digest)"
                f" SELECT %s, a.user_id, %s::timestamptz + ((hashtext(a.nik) & 1048575) * interval '1 second'),"
                f" md5('nik:' || a.nik)::uuid, md5('kk:' || a.kk)::uuid"
                f" FROM registration_applicant a WHERE a.nik BETWEEN %s AND %s ORDER BY a.nik",
                [wave.pk, wave.opens_at, "99" + "1".zfill(14), "99" + str(n).zfill(14)])
            self._remember(cursor, f"wave:{n}", wave.pk)
        with connection.cursor() as cursor:
            # ANALYZE only, as autovacuum's analyze after a fill: no VACUUM (it would set the visibility map
            # that a table just filled by the surge's inserts does not have yet).
            cursor.execute(f"ANALYZE {reg}")
        return wave

    def _build_lists(self, m: int) -> None:
        """M entries: person 7j (j = 1..M) on list j mod 11, so 1 in 7 registrations is on a list; the
        prior-awardee list carries each person's family card."""
        self.stdout.write(f"building {m:,} list entries ...")
        with connection.cursor() as cursor:
            for old in ExclusionList.objects.filter(file_name__startswith=self._prefix):
                if tables.is_list_table(old.table_name):
                    cursor.execute(f"DROP TABLE IF EXISTS {old.table_name}")
                old.delete()
            for i, category in enumerate(CATEGORIES):
                # Named as the loader names a version's table (screening refuses any other name).
                version = ExclusionList.objects.create(category=category, status=ExclusionList.Status.REPLACED,
                                                       file_name=f"{self._prefix}{category}.csv", row_count=0)
                table = tables.table_name(version.pk)
                kk = "md5('kk:99' || lpad(((7 * j) / 3)::text, 14, '0'))::uuid" if category == "prior_awardee" else "NULL"
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"CREATE TABLE {table} (nik_digest uuid NOT NULL, kk_digest uuid NULL)")
                cursor.execute(
                    f"INSERT INTO {table} SELECT md5('nik:99' || lpad((7 * j)::text, 14, '0'))::uuid, {kk}"
                    f" FROM generate_series(1, %s) j WHERE j %% 11 = %s", [m, i])
                cursor.execute(f"CREATE UNIQUE INDEX {table}_nik ON {table} (nik_digest)")
                if category == "prior_awardee":
                    cursor.execute(f"CREATE INDEX {table}_kk ON {table} (kk_digest) INCLUDE (nik_digest)"
                                   f" WHERE kk_digest IS NOT NULL")
                cursor.execute(f"ANALYZE {table}")  # as the loader does: no VACUUM
                cursor.execute(f"SELECT count(*) FROM {table}")
                rows = cursor.fetchone()[0]
                ExclusionList.objects.filter(pk=version.pk).update(table_name=table, row_count=rows)
            self._remember(cursor, f"entries:{m}", m)

    def _lists_intact(self) -> bool:
        versions = {v.category: v for v in ExclusionList.objects.filter(file_name__startswith=self._prefix)}
        if set(versions) != set(CATEGORIES) or not all(tables.is_list_table(v.table_name) for v in versions.values()):
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = ANY(%s)",
                           [[v.table_name for v in versions.values()]])
            return cursor.fetchone()[0] == len(CATEGORIES)

    def _activate_lists(self) -> None:
        """The bench's versions of this list size are the active lists while it runs. Its versions of other sizes
        wait as `needs_confirmation`, a status whose tables the product keeps (a replaced version's table is
        dropped once no run uses it, eligibility.lists.tables.release_unused_list_tables), so that the next size
        finds them; other benchmarks' versions are replaced."""
        with transaction.atomic():
            ours = ExclusionList.objects.filter(file_name__startswith=self._prefix)
            other_sizes = ExclusionList.objects.filter(file_name__startswith=PREFIX).exclude(pk__in=ours)
            other_sizes.update(status=ExclusionList.Status.NEEDS_CONFIRMATION)
            ExclusionList.objects.filter(status=ExclusionList.Status.ACTIVE).exclude(pk__in=ours).update(
                status=ExclusionList.Status.REPLACED)
            ours.update(status=ExclusionList.Status.ACTIVE, activated_at=timezone.now())

    def _reset(self, wave: Wave, keep_results: bool = False) -> None:
        """Untimed: the wave open again (past its deadline), no running run. By default as a wave
        that was never screened: no results and no earlier runs (a screening then has nothing to
        replace). With `keep_results`, the previous screening's results and runs stay, as before a
        staff retry: the timed run replaces them."""
        waves.reset_benchmark_wave(wave=wave)  # the only way back to open there is, for benchmark waves only
        # The bench's other waves (one per size) back to open too: a screened, unselected earlier wave would make
        # this one wait for its selection (waves.unselected_earlier_wave), as a real wave must.
        for other in Wave.objects.filter(number__gte=WAVE_NUMBER, number__lt=WAVE_NUMBER + 100,
                                         status__in=waves.UNSELECTED).exclude(pk=wave.pk):
            waves.reset_benchmark_wave(wave=other)
        with connection.cursor() as cursor:
            # Each run queues every result e-mail afresh, as a wave's one real screening does (its task,
            # notifications.tasks.queue_result_mails, runs on the worker beside the report summary).
            cursor.execute(f"DELETE FROM {Notification._meta.db_table} WHERE wave_id = %s AND kind = %s",
                           [wave.pk, Notification.Kind.RESULT])
            if not keep_results:
                cursor.execute(f"DELETE FROM {ScreeningResult._meta.db_table} WHERE wave_id = %s", [wave.pk])
                ScreeningRun.objects.filter(wave=wave).delete()
                # Only the result rows this reset just deleted, which no real first screening of a wave finds
                # (a wave is screened once; without this each run would add a run's dead rows for the next
                # runs and the report summary to read). The registrations and the lists get nothing untimed:
                # the screening's own VACUUM step (services.vacuum_for_screening) is timed.
                cursor.execute(f"VACUUM {ScreeningResult._meta.db_table}")
            # No REINDEX or CHECKPOINT here, and no VACUUM of the registrations or the lists: the timed runs see
            # them as the product would after a surge of inserts.

    # --- references ------------------------------------------------------------------------------------

    def _tables(self) -> dict[str, str]:
        """The bench's list table of each category."""
        return dict(ExclusionList.objects.filter(file_name__startswith=self._prefix).order_by("category")
                    .values_list("category", "table_name"))

    def _list_union(self) -> str:
        return " UNION ALL ".join(f"SELECT nik_digest FROM {table}" for table in self._tables().values())

    def _bare_join(self, wave: Wave, repeat: int, parallel: bool = True) -> tuple[float, list[float]]:
        sql = (f"SELECT count(*) FROM {Registration._meta.db_table} r JOIN ({self._list_union()}) l"
               f" ON l.nik_digest = r.nik_digest WHERE r.wave_id = %s")
        times = []
        with transaction.atomic(), connection.cursor() as cursor:
            if not parallel:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            for _ in range(repeat):
                t = time.perf_counter()
                cursor.execute(sql, [wave.pk])
                cursor.fetchone()
                times.append(time.perf_counter() - t)
        return _median(times), times

    def _one_statement(self, wave: Wave, repeat: int) -> tuple[float, list[float]]:
        """The same work as one SQL statement, as PostgreSQL runs it by default: every registration's list hits
        (a bit per list), the prior awardees per KK, the KK window and one INSERT of every result (the product's
        reason spelling, eligibility.screening.sql) into a logged copy of the result table with its indexes.
        The bench wave has no earlier recipients and no upheld appeals, so those sources are left out. The copy
        is emptied between runs, untimed."""
        reg, scratch = Registration._meta.db_table, f"{PREFIX}one_statement"
        tables_by_category = self._tables()
        lists = " UNION ALL ".join(f"SELECT nik_digest, {1 << i} AS bit FROM {tables_by_category[c]}"
                                   for i, c in enumerate(CATEGORIES))
        slots, reasons = screening_sql.KK_SLOTS, screening_sql.reasons_sql("mask")
        statement = (
            f"INSERT INTO {scratch} (registration_id, wave_id, status, reasons)"
            f" WITH hits AS (SELECT r.id, bit_or(l.bit) AS mask FROM {reg} r JOIN ({lists}) l"
            f"  ON l.nik_digest = r.nik_digest WHERE r.wave_id = %(wave)s GROUP BY r.id),"
            f" prior AS (SELECT kk_digest, COUNT(*) AS n FROM {tables_by_category[screening_sql.PRIOR_AWARDEE]}"
            f"  WHERE kk_digest IS NOT NULL GROUP BY kk_digest),"
            f" ranked AS (SELECT r.id, COALESCE(h.mask, 0) AS mask, COALESCE(pr.n, 0) AS prior,"
            f"  ROW_NUMBER() OVER (PARTITION BY r.kk_digest, COALESCE(h.mask, 0) = 0 ORDER BY r.registered_at, r.id)"
            f"  AS pos FROM {reg} r LEFT JOIN hits h ON h.id = r.id LEFT JOIN prior pr ON pr.kk_digest = r.kk_digest"
            f"  WHERE r.wave_id = %(wave)s)"
            f" SELECT id, %(wave)s, CASE WHEN mask = 0 AND pos <= {slots} - prior THEN 'eligible' ELSE 'ineligible' END,"
            f"  CASE WHEN mask <> 0 THEN {reasons} WHEN pos > {slots} - prior THEN '{screening_sql.KK_LIMIT}'"
            f"  ELSE '' END FROM ranked"
        )
        times = []
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
            cursor.execute(f"CREATE TABLE {scratch} (LIKE {ScreeningResult._meta.db_table} INCLUDING ALL)")
            for _ in range(repeat):
                cursor.execute(f"TRUNCATE {scratch}")  # untimed
                t = time.perf_counter()
                with transaction.atomic():
                    cursor.execute(statement, {"wave": wave.pk})
                    stored = cursor.rowcount
                times.append(time.perf_counter() - t)
                if stored != Registration.objects.filter(wave=wave).count():
                    raise CommandError(f"the one-statement reference stored {stored:,} results")
            cursor.execute(f"DROP TABLE {scratch}")
        return _median(times), times

    def _per_row(self, wave: Wave, sample: int, total: int) -> tuple[float, float]:
        """What a Python loop would do per registration: look the NIK up in every list, count the
        family's earlier registrations, write the result with the ORM, commit (a real
        per-row job commits each row). The sample's results are deleted afterwards, untimed."""
        union = " UNION ALL ".join(f"SELECT '{c}' FROM {table} WHERE nik_digest = %s" for c, table in self._tables().items())
        rows = list(Registration.objects.filter(wave=wave).order_by("?")[:sample]) if sample else []
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for registration in rows:
                with transaction.atomic():  # one transaction per registration, committed
                    cursor.execute(union, [registration.nik_digest] * len(CATEGORIES))
                    reasons = sorted(code for (code,) in cursor.fetchall())
                    family = Registration.objects.filter(
                        wave=wave, kk_digest=registration.kk_digest, registered_at__lt=registration.registered_at
                    ).count()
                    if not reasons and family >= 2:
                        reasons = ["kk_limit"]
                    ScreeningResult.objects.create(registration=registration, wave_id=wave.pk,
                                                   status="ineligible" if reasons else "eligible",
                                                   reasons=";".join(reasons))
        each = (time.perf_counter() - t) / max(1, len(rows))
        ScreeningResult.objects.filter(wave_id=wave.pk).delete()  # untimed: the wave stays never screened
        return each * total, each

    # --- end to end ------------------------------------------------------------------------------------

    def _end_to_end(self, wave: Wave, partitions: int, workers: int) -> tuple[float, ScreeningRun, float, float]:
        """(seconds until the run is done, the run, seconds until its report summary is stored, seconds until every
        result e-mail is queued), each from the close."""
        env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
               "SCREENING_PARTITIONS": str(partitions),
               "DJANGO_SETTINGS_MODULE": "benchmarks.worker_settings"}
        log = Path(settings.BASE_DIR) / "var" / "bench_screening_worker.log"
        # Nothing left over from an earlier run (a report summary a terminated worker handed back)
        # may take a worker process while the clock runs.
        from prakerja.celery import app

        app.control.purge()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "prakerja", "worker", "--pool=prefork",
             f"--concurrency={workers}", "-n", f"bench-screening-{os.getpid()}@%h", "--without-gossip",
             "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        try:
            _wait(lambda: _worker_ready(worker, log), 60, "the worker to start", log)
            before = ScreeningRun.objects.filter(wave=wave).values_list("pk", flat=True).order_by("-pk").first() or 0
            t = time.perf_counter()
            waves.close_wave(wave=wave, by=None)  # -> screen_wave on the worker -> partitions
            run = _wait(lambda: ScreeningRun.objects.filter(
                wave=wave, pk__gt=before, status__in=[ScreeningRun.Status.DONE, ScreeningRun.Status.FAILED]).first(),
                3600, "the screening run", log, interval=0.05)
            elapsed = time.perf_counter() - t
            summarised = mailed = elapsed
            if run.status == ScreeningRun.Status.DONE:
                # Timed separately: the worker builds the report summary the completed run enqueued, which
                # staff wait for before they can read the results.
                try:
                    _wait(lambda: WaveSummary.objects.filter(run=run).exists(), 3600, "the report summary", log,
                          interval=0.05)
                    summarised = time.perf_counter() - t
                except CommandError:
                    self.stderr.write(f"the report summary of run {run.pk} was not stored; see {log}")
                # Not staff's wait, but the worker's: every result e-mail queued before the worker stops.
                expected = run.outcome_counts["registrations"]
                _wait(lambda: Notification.objects.filter(wave=wave, kind=Notification.Kind.RESULT).count() >= expected,
                      3600, "the result e-mails to be queued", log, interval=0.5)
                mailed = time.perf_counter() - t
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if run.status != ScreeningRun.Status.DONE:
            raise CommandError(f"screening failed: {run.error}")
        return elapsed, run, summarised, mailed


def _spread(times: list[float]) -> str:
    return f"spread {min(times):.2f}-{max(times):.2f} s over {len(times)} runs"


def _worker_ready(worker: subprocess.Popen, log: Path) -> bool:
    if worker.poll() is not None:
        raise CommandError(f"the Celery worker exited; see {log}")
    return " ready." in log.read_text()


def _wait(condition, timeout: float, what: str, log: Path, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise CommandError(f"timed out waiting for {what}; see {log}")


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _median(times: list[float]) -> float:
    return sorted(times)[len(times) // 2]


def _phase_times(run: ScreeningRun) -> dict[str, float]:
    """Seconds per phase of a done run, from its partitions' claims and ends; `done`: from the close to the run's
    finished_at (set as its completing transaction begins)."""
    spans = {}
    first = ScreeningPartition.objects.filter(run=run).aggregate(first=Min("claimed_at"))["first"]
    closed = Wave.objects.values_list("closed_at", flat=True).get(pk=run.wave_id)
    spans["start"] = (first - closed).total_seconds()
    for phase in (Phase.LISTS, Phase.KK):
        edges = ScreeningPartition.objects.filter(run=run, phase=phase).aggregate(
            first=Min("claimed_at"), last=Max("finished_at"))
        spans[phase.value] = (edges["last"] - edges["first"]).total_seconds()
    spans["done"] = (run.finished_at - closed).total_seconds()
    return spans


def _all_visible(table: str) -> float:
    """The share of the table's pages its visibility map marks all-visible (set by VACUUM only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relallvisible::float / greatest(relpages, 1) FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]
