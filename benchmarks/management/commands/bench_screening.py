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
from django.utils import timezone

from benchmarks.people import insert_people
from eligibility import waves
from eligibility.screening import services
from eligibility.lists import tables
from eligibility.models.lists import ExclusionList, ListCategory
from eligibility.models.screening import ScreeningResult, ScreeningRun
from prakerja.lib import cli
from registration.models import Registration, Wave
from reports.models import WaveSummary

WAVE_NUMBER = waves.BENCHMARK_WAVES_FROM + 1  # benchmark waves may be reset (eligibility.waves)
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
        out(f"data: {registrations:,} registrations, {entries:,} list entries in {len(CATEGORIES)} lists "
            f"(ready in {time.perf_counter() - started:.1f} s)")
        self._reset(wave)
        if not no_references:
            bare, runs = self._bare_join(wave)
            out(f"reference: one bare SQL join (registrations x list digests, count), median of 3: {bare:8.2f} s"
                f"  ({_spread(runs)})")
            serial, runs = self._bare_join(wave, parallel=False)
            out(f"           the same join without parallel workers (one backend):                {serial:8.2f} s"
                f"  ({_spread(runs)})")
            per_row, per_row_each = self._per_row(wave, sample, registrations)
            out(f"reference: per-row ORM job, {sample:,} sampled ({per_row_each * 1e6:,.0f} us each), "
                f"extrapolated:        {per_row:8.1f} s")
        times, with_summary = [], []
        if rerun and not ScreeningResult.objects.filter(wave_id=wave.pk).exists():
            self._reset(wave)
            self._end_to_end(wave, partitions, workers)  # untimed: the results the re-runs replace
        for _ in range(max(1, repeat)):
            self._reset(wave, keep_results=rerun)
            elapsed, run, summarised = self._end_to_end(wave, partitions, workers)
            times.append(elapsed)
            with_summary.append(summarised)
        elapsed = sorted(times)[len(times) // 2]
        summary_median = sorted(with_summary)[len(with_summary) // 2]
        what = "re-screening (replacing stored results)" if rerun else "screening"
        out(f"{what} end to end ({partitions} partitions per phase, real worker x{workers}), median: "
            f"{elapsed:8.2f} s  ({_spread(times)})")
        out(f"  ... until the report summary staff wait for is stored, median: {summary_median:8.2f} s  "
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
        out(f"  screening {ratio_bare:.2f}x the bare join; {elapsed / serial:.2f}x the single-backend join")
        ratio_summary = summary_median / bare
        out(f"  screening with its report summary {ratio_summary:.2f}x the bare join (target <= 3x): "
            f"{'OK' if ratio_summary <= 3 else 'MISSED'}")
        out(f"  {speedup:,.0f}x faster than per-row (target >= 100x): {'OK' if speedup >= 100 else 'MISSED'}")

    # --- data ------------------------------------------------------------------------------------------

    def _ensure_data(self, n: int, m: int, fresh: bool) -> Wave:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {META} (what text PRIMARY KEY, size bigint NOT NULL)")
            cursor.execute(f"SELECT what, size FROM {META}")
            have = dict(cursor.fetchall())
        wave = Wave.objects.filter(number=WAVE_NUMBER).first()
        if fresh or wave is None or have.get("registrations") != n:
            wave = self._build_registrations(n)
        if fresh or have.get("entries") != m or have.get("entries_for") != n or not self._lists_intact():
            self._build_lists(m)
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {META} VALUES ('entries_for', %s) "
                               f"ON CONFLICT (what) DO UPDATE SET size = EXCLUDED.size", [n])
        self._activate_lists()
        return wave

    def _build_registrations(self, n: int) -> Wave:
        self.stdout.write(f"building {n:,} accounts, applicants and registrations ...")
        reg = Registration._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            old = Wave.objects.filter(number=WAVE_NUMBER).first()
            if old:
                cursor.execute(f"DELETE FROM {ScreeningResult._meta.db_table} WHERE wave_id = %s", [old.pk])
                ScreeningRun.objects.filter(wave=old).delete()
                cursor.execute(f"DELETE FROM {reg} WHERE wave_id = %s", [old.pk])
                Wave.objects.filter(pk=old.pk).delete()
            cursor.execute("DELETE FROM registration_applicant WHERE user_id IN "
                           "(SELECT id FROM registration_user WHERE email LIKE 'bench-screening-%%')")
            cursor.execute("DELETE FROM registration_user WHERE email LIKE 'bench-screening-%%'")
            now = timezone.now()
            wave = Wave.objects.create(number=WAVE_NUMBER, quota=max(1, n // 2),
                                       opens_at=now - dt.timedelta(days=30),
                                       closes_at=now - dt.timedelta(days=1))
            # Not publish_wave: the bench wave lies beside other benchmark waves (bench_report_csv numbers its
            # waves higher), which number order would refuse (docs/DOMAIN.md); waves.py allows it for bench waves.
            wave = waves.publish_benchmark_wave(wave=wave)
            # Person i: NIK 99 + i, family card 99 + i/3 (families of three), phone +6289 + i.
            insert_people(cursor, email_prefix="bench-screening-", nik_prefix="99", count=n)
            # Registration times spread over the window, many sharing a second (ties broken by id).
            cursor.execute(
                f"INSERT INTO {reg} (wave_id, applicant_id, registered_at, nik_digest, kk_digest)"
                f" SELECT %s, a.user_id, %s::timestamptz + ((hashtext(a.nik) & 1048575) * interval '1 second'),"
                f" md5('nik:' || a.nik)::uuid, md5('kk:' || a.kk)::uuid"
                f" FROM registration_applicant a WHERE a.nik LIKE '99%%' ORDER BY a.nik",
                [wave.pk, wave.opens_at])
            cursor.execute(f"INSERT INTO {META} VALUES ('registrations', %s) "
                           f"ON CONFLICT (what) DO UPDATE SET size = EXCLUDED.size", [n])
        with connection.cursor() as cursor:
            # ANALYZE only, as autovacuum's analyze after a fill: no VACUUM (it would set the visibility map
            # that a table just filled by the surge's inserts does not have yet).
            cursor.execute(f"ANALYZE {reg}")
            cursor.execute("ANALYZE registration_applicant")
            cursor.execute("ANALYZE registration_user")
        return wave

    def _build_lists(self, m: int) -> None:
        """M entries: person 7j (j = 1..M) on list j mod 11, so 1 in 7 registrations is on a list; the
        prior-awardee list carries each person's family card."""
        self.stdout.write(f"building {m:,} list entries ...")
        with connection.cursor() as cursor:
            for old in ExclusionList.objects.filter(file_name__startswith=PREFIX):
                if tables.is_list_table(old.table_name):
                    cursor.execute(f"DROP TABLE IF EXISTS {old.table_name}")
                old.delete()
            for i, category in enumerate(CATEGORIES):
                # Named as the loader names a version's table (screening refuses any other name).
                version = ExclusionList.objects.create(category=category, status=ExclusionList.Status.REPLACED,
                                                       file_name=f"{PREFIX}{category}.csv", row_count=0)
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
            cursor.execute(f"INSERT INTO {META} VALUES ('entries', %s) "
                           f"ON CONFLICT (what) DO UPDATE SET size = EXCLUDED.size", [m])

    def _lists_intact(self) -> bool:
        versions = {v.category: v for v in ExclusionList.objects.filter(file_name__startswith=PREFIX)}
        if set(versions) != set(CATEGORIES) or not all(tables.is_list_table(v.table_name) for v in versions.values()):
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = ANY(%s)",
                           [[v.table_name for v in versions.values()]])
            return cursor.fetchone()[0] == len(CATEGORIES)

    def _activate_lists(self) -> None:
        """The bench's versions are the active lists while it runs (other benchmarks load their own)."""
        with transaction.atomic():
            ours = ExclusionList.objects.filter(file_name__startswith=PREFIX)
            ExclusionList.objects.filter(status=ExclusionList.Status.ACTIVE).exclude(pk__in=ours).update(
                status=ExclusionList.Status.REPLACED)
            ours.update(status=ExclusionList.Status.ACTIVE, activated_at=timezone.now())

    def _reset(self, wave: Wave, keep_results: bool = False) -> None:
        """Untimed: the wave open again (past its deadline), no running run. By default as a wave
        that was never screened: no results and no earlier runs (a screening then has nothing to
        replace). With `keep_results`, the previous screening's results and runs stay, as before a
        staff retry: the timed run replaces them."""
        waves.reset_benchmark_wave(wave=wave)  # the only way back to open there is, for benchmark waves only
        with connection.cursor() as cursor:
            if not keep_results:
                cursor.execute(f"DELETE FROM {ScreeningResult._meta.db_table} WHERE wave_id = %s", [wave.pk])
                ScreeningRun.objects.filter(wave=wave).delete()
            # No VACUUM, REINDEX or CHECKPOINT here: a real screening follows a surge of inserts with only
            # what autovacuum does meanwhile, so the timed runs see the tables as the product would.

    # --- references ------------------------------------------------------------------------------------

    def _tables(self) -> dict[str, str]:
        """The bench's list table of each category."""
        return dict(ExclusionList.objects.filter(file_name__startswith=PREFIX).order_by("category")
                    .values_list("category", "table_name"))

    def _list_union(self) -> str:
        return " UNION ALL ".join(f"SELECT nik_digest FROM {table}" for table in self._tables().values())

    def _bare_join(self, wave: Wave, parallel: bool = True) -> float:
        sql = (f"SELECT count(*) FROM {Registration._meta.db_table} r JOIN ({self._list_union()}) l"
               f" ON l.nik_digest = r.nik_digest WHERE r.wave_id = %s")
        times = []
        with transaction.atomic(), connection.cursor() as cursor:
            if not parallel:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            for _ in range(3):
                t = time.perf_counter()
                cursor.execute(sql, [wave.pk])
                cursor.fetchone()
                times.append(time.perf_counter() - t)
        return sorted(times)[1], times  # the median of three, and the three

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

    def _end_to_end(self, wave: Wave, partitions: int, workers: int) -> tuple[float, ScreeningRun, float]:
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
            summarised = elapsed
            if run.status == ScreeningRun.Status.DONE:
                # Timed separately: the worker builds the report summary the completed run enqueued, which
                # staff wait for before they can read the results.
                try:
                    _wait(lambda: WaveSummary.objects.filter(run=run).exists(), 3600, "the report summary", log,
                          interval=0.05)
                    summarised = time.perf_counter() - t
                except CommandError:
                    self.stderr.write(f"the report summary of run {run.pk} was not stored; see {log}")
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if run.status != ScreeningRun.Status.DONE:
            raise CommandError(f"screening failed: {run.error}")
        return elapsed, run, summarised


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
